import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Message } from './message.entity';
import type { Ticket } from './ticket.entity';
import type { NewTicketEvent } from './ticket-writes';
import type { TicketStatus } from './ticket-status';

/**
 * Something happened to a ticket inside a database transaction. Listeners (e.g. outbound
 * notifications) write their own rows with the same `manager`, so the effect commits or rolls
 * back together with the change that caused it.
 */
/** What became of a new ticket's acknowledgement (reason: e.g. `rate_limited`, `automated`, `no_citizen`). */
export interface AcknowledgementOutcome {
  queued: boolean;
  reason?: string;
}

export type TicketChange =
  | {
      type: 'created';
      ticket: Ticket;
      message: Message | null;
      automated: boolean;
      deferDuplicateSearch?: boolean;
      /** set by the email notifier: was the citizen's acknowledgement queued, and if not, why */
      acknowledgement?: AcknowledgementOutcome;
    }
  | {
      type: 'citizen_message';
      ticket: Ticket;
      message: Message;
      automated: boolean;
      /** an edit of a message already on the thread (a platform's "edited message"), not a new answer */
      correction?: boolean;
    }
  | {
      type: 'status_changed';
      ticket: Ticket;
      from: TicketStatus;
      to: TicketStatus;
      reason: string | null;
      publicMessage: Message | null;
      notifyCitizen: boolean;
      actorUserId: string | null;
    }
  | { type: 'reply'; ticket: Ticket; message: Message; notifyCitizen: boolean };

export interface TicketChangeListener {
  onTicketChange(manager: EntityManager, change: TicketChange): Promise<void>;
}

/**
 * Completes a new ticket before it is inserted (e.g. the category keyword routing sets), so the
 * row is written once instead of inserted and updated. May return the events to record once the
 * row exists: they are inserted with the ticket's `created` event, in one statement.
 */
export interface TicketDraftEnricher {
  beforeInsert(manager: EntityManager, draft: Ticket): Promise<((saved: Ticket) => NewTicketEvent[]) | void>;
}

@Injectable()
export class TicketHooks {
  private readonly logger = new Logger(TicketHooks.name);
  private readonly listeners: TicketChangeListener[] = [];
  private readonly enrichers: TicketDraftEnricher[] = [];

  register(listener: TicketChangeListener): void {
    this.listeners.push(listener);
  }

  registerEnricher(enricher: TicketDraftEnricher): void {
    this.enrichers.push(enricher);
  }

  /** Runs the enrichers on a draft; the returned function gives their events once the row exists. */
  async enrich(manager: EntityManager, draft: Ticket): Promise<(saved: Ticket) => NewTicketEvent[]> {
    const after: Array<(saved: Ticket) => NewTicketEvent[]> = [];
    for (const enricher of this.enrichers) {
      const next = await enricher.beforeInsert(manager, draft);
      if (next) after.push(next);
    }
    return (saved) => after.flatMap((fn) => fn(saved));
  }

  async emit(manager: EntityManager, change: TicketChange): Promise<void> {
    for (const listener of this.listeners) {
      await listener.onTicketChange(manager, change);
    }
  }
}
