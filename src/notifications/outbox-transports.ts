import { Injectable } from '@nestjs/common';

/** One outbox row as a transport sees it (see OutboxService for the table). */
export interface OutboxRow {
  id: string;
  /** 'email' | 'messenger' | 'instagram' | 'whatsapp' | 'telegram' | … */
  channel: string;
  /** what the notification is: 'acknowledgement', 'status_changed', 'reply', … */
  kind: string;
  ticketId: string | null;
  /** the thread message this delivery mirrors its state onto */
  messageId: string | null;
  /** email address, platform user id, chat id… */
  recipient: string;
  /** email: our Message-ID, fixed at enqueue time and the same on every retry */
  externalId: string | null;
  /** channel-specific content, written by whoever enqueued the row */
  payload: Record<string, unknown>;
  /** attempts so far, including the one in progress */
  attempts: number;
  /** of those, rounds in which the server could not be reached (they never make a mail give up) */
  unavailableRounds: number;
  createdAt: Date;
}

/** Sends one row. Returns the platform's id for what it sent, if it has one. */
export interface OutboxTransport {
  send(row: OutboxRow): Promise<{ externalId?: string }>;
}

/** The recipient or the content will never be accepted (e.g. SMTP 5xx): no retry, the row is `failed`. */
export class OutboxPermanentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxPermanentError';
  }
}

/**
 * The service itself could not be reached (connection refused, timeout, authentication): retried
 * with backoff like any other error, but never counted against OUTBOX_MAX_ATTEMPTS — nothing is
 * given up because the mail server was down for a weekend.
 */
export class OutboxUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutboxUnavailableError';
  }
}

/**
 * Which transport sends which channel. Modules register theirs at start-up (the email transport
 * only when SMTP is configured); rows of a channel without a transport stay queued, never dropped.
 */
@Injectable()
export class OutboxTransports {
  private readonly byChannel = new Map<string, OutboxTransport>();

  register(channel: string, transport: OutboxTransport): void {
    this.byChannel.set(channel, transport);
  }

  get(channel: string): OutboxTransport | undefined {
    return this.byChannel.get(channel);
  }

  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }
}
