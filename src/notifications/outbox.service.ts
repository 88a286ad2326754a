import { leftCodePoints } from '../common/code-points';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { OutboxRow } from './outbox-transports';

export interface OutboxEnqueueInput {
  channel: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  ticketId?: string | null;
  /** the thread message whose delivery state mirrors this row */
  messageId?: string | null;
  /** known before sending (email Message-ID); also written to the thread message */
  externalId?: string | null;
  /** do not send before this time */
  notBefore?: Date;
  /** the caller already wrote the thread message as queued with this external id (saves a round trip) */
  messageQueued?: boolean;
}

/** The thread message an outbox row delivers, written by the same statement as the row. */
export type OutboxThreadMessage =
  /** a new outbound message, placed after everything already on the ticket's thread */
  | { subject: string; bodyText: string; meta: Record<string, unknown> }
  /** an existing message (an agent's reply, a status change's public text) now being delivered */
  | { id: string; subject: string; meta: Record<string, unknown> };

export interface OutboxChannelStats {
  channel: string;
  queued: number;
  failed: number;
  /** seconds since the oldest queued row was written (0 when none) */
  oldestQueuedSeconds: number;
}

interface RawOutboxRow {
  id: string | number;
  channel: string;
  kind: string;
  ticket_id: string | number | null;
  message_id: string | number | null;
  recipient: string;
  external_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  unavailable_rounds: number;
  created_at: Date;
}

function toRow(r: RawOutboxRow): OutboxRow {
  return {
    id: String(r.id),
    channel: r.channel,
    kind: r.kind,
    ticketId: r.ticket_id === null ? null : String(r.ticket_id),
    messageId: r.message_id === null ? null : String(r.message_id),
    recipient: r.recipient,
    externalId: r.external_id,
    payload: r.payload ?? {},
    attempts: Number(r.attempts),
    unavailableRounds: Number(r.unavailable_rounds ?? 0),
    createdAt: new Date(r.created_at),
  };
}

/**
 * What renewClaim found, right before the send, about the addressee of an `email` row of a ticket
 * that has a citizen: one of the citizen's addresses (`deliverable`), one of theirs marked
 * undeliverable by a bounce (`undeliverable`), or not (any more) one of theirs (`not_theirs`: the
 * address was rectified, or the row is not a mail to the citizen). EmailTransport decides on it.
 */
export type CitizenRecipientState = 'deliverable' | 'undeliverable' | 'not_theirs';

/** A row renewClaim renewed: `citizenRecipient` is set on email rows of tickets with a citizen. */
export interface RenewedOutboxRow extends OutboxRow {
  citizenRecipient?: CitizenRecipientState;
}

const MAX_ERROR_CHARS = 1000;
// (UPDATE … RETURNING is wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE)

/**
 * The outbox table: enqueue inside the caller's transaction; claim, complete, retry or fail from
 * the worker. Every outcome is mirrored onto the thread message (delivery state, attempts, error).
 */
@Injectable()
export class OutboxService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes one notification with the caller's transaction: it commits or rolls back with the change. */
  async enqueue(manager: EntityManager, input: OutboxEnqueueInput): Promise<{ id: string }> {
    const rows: Array<{ id: string }> = await manager.query(
      `INSERT INTO outbox (channel, kind, ticket_id, message_id, recipient, external_id, payload, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8::timestamptz, now()))
       RETURNING id`,
      [
        input.channel,
        input.kind,
        input.ticketId ?? null,
        input.messageId ?? null,
        input.recipient,
        input.externalId ?? null,
        JSON.stringify(input.payload),
        input.notBefore ?? null,
      ],
    );
    if (input.messageId && !input.messageQueued) {
      await manager.query(
        `UPDATE messages SET delivery_state = 'queued', delivery_attempts = 0, delivery_error = NULL,
                external_id = COALESCE($2, external_id)
         WHERE id = $1`,
        [input.messageId, input.externalId ?? null],
      );
    }
    return { id: String(rows[0].id) };
  }

  /**
   * enqueue() together with its thread message (inserted, or marked queued) in one statement; the
   * message is on the row's channel with the row's external id, in delivery state `queued`.
   */
  async enqueueWithThreadMessage(
    manager: EntityManager,
    input: Omit<OutboxEnqueueInput, 'messageId' | 'messageQueued'> & { ticketId: string },
    message: OutboxThreadMessage,
  ): Promise<{ id: string; messageId: string }> {
    const writeMessage =
      'id' in message
        ? `UPDATE messages SET channel = $1, subject = $8, meta = meta || $9::jsonb,
                  delivery_state = 'queued', delivery_attempts = 0, delivery_error = NULL, external_id = $5
           WHERE id = $10 AND ticket_id = $3
           RETURNING id`
        : // after everything already on the thread (now() is the transaction's start, earlier than
          // the message that caused this one)
          `INSERT INTO messages (ticket_id, direction, channel, subject, body_text, public, meta, created_at,
                                 delivery_state, delivery_attempts, external_id)
           VALUES ($3, 'outbound', $1, $8, $10, true, $9::jsonb,
                   GREATEST(clock_timestamp(), (SELECT max(created_at) FROM messages WHERE ticket_id = $3)),
                   'queued', 0, $5)
           RETURNING id`;
    const rows: Array<{ id: string; message_id: string }> = await manager.query(
      `WITH m AS (${writeMessage})
       INSERT INTO outbox (channel, kind, ticket_id, message_id, recipient, external_id, payload, next_attempt_at)
       SELECT $1, $2, $3, m.id, $4, $5, $6, COALESCE($7::timestamptz, now()) FROM m
       RETURNING id, message_id`,
      [
        input.channel,
        input.kind,
        input.ticketId,
        input.recipient,
        input.externalId ?? null,
        JSON.stringify(input.payload),
        input.notBefore ?? null,
        leftCodePoints(message.subject, 500),
        JSON.stringify(message.meta),
        'id' in message ? message.id : message.bodyText,
      ],
    );
    if (!rows.length) throw new Error(`thread message ${'id' in message ? message.id : '(new)'} of ticket ${input.ticketId} not found`);
    return { id: String(rows[0].id), messageId: String(rows[0].message_id) };
  }

  /**
   * Claims up to `limit` due rows of these channels for `leaseSeconds` under `claimToken`.
   * `SKIP LOCKED` keeps concurrent workers off each other's rows; the lease hands a row to another
   * worker when its claimant died mid-send. Counts the attempt now, so a crash is an attempt too.
   */
  async claim(
    channels: string[],
    limit: number,
    claimToken: string,
    leaseSeconds: number,
  ): Promise<OutboxRow[]> {
    if (!channels.length) return [];
    const rows: RawOutboxRow[] = await this.dataSource.query(
      `WITH due AS (
         SELECT id FROM outbox
         WHERE state = 'queued' AND channel = ANY($1) AND next_attempt_at <= now()
           AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       , claimed AS (
         UPDATE outbox o
         SET locked_by = $3, locked_until = now() + make_interval(secs => $4), attempts = o.attempts + 1, updated_at = now()
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.channel, o.kind, o.ticket_id, o.message_id, o.recipient, o.external_id, o.payload, o.attempts, o.unavailable_rounds, o.created_at
       )
       SELECT * FROM claimed`,
      [channels, limit, claimToken, leaseSeconds],
    );
    return rows.map(toRow).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /**
   * Right before a row's send: extends this claim to a whole lease from now, so the send (at most
   * half a lease) ends inside it. False when the row is no longer ours — its lease ran out while
   * earlier rows of the batch were sent and another worker claimed it (or it is no longer queued):
   * then it must not be sent here. The row lock orders this against a concurrent claim(): either
   * that claim skips the row, or this update sees its new token and changes nothing.
   * The same statement looks at an email row's addressee as it is now (bounced, rectified since the
   * row was written) and records it on the row as `citizenRecipient` (see RenewedOutboxRow).
   */
  async renewClaim(row: OutboxRow, claimToken: string, leaseSeconds: number): Promise<boolean> {
    const renewed: Array<{ has_citizen: boolean; undeliverable: boolean | null }> = await this.dataSource.query(
      `WITH RECURSIVE renewed AS (
         UPDATE outbox SET locked_until = now() + make_interval(secs => $3), updated_at = now()
         WHERE id = $1 AND locked_by = $2 AND state = 'queued'
         RETURNING channel, ticket_id, recipient
       ),
       owner(id, depth) AS (
         SELECT t.citizen_id, 0 FROM renewed r JOIN tickets t ON t.id = r.ticket_id
         WHERE r.channel = 'email' AND t.citizen_id IS NOT NULL
         UNION ALL
         SELECT c.merged_into_id, o.depth + 1 FROM owner o JOIN citizens c ON c.id = o.id
         WHERE c.merged_into_id IS NOT NULL AND o.depth < 10
       )
       SELECT EXISTS (SELECT 1 FROM owner) AS has_citizen,
              (SELECT bool_or(ci.undeliverable) FROM citizen_identities ci
               WHERE ci.kind = 'email' AND ci.value = lower(r.recipient) AND ci.citizen_id IN (SELECT id FROM owner)) AS undeliverable
       FROM renewed r`,
      [row.id, claimToken, leaseSeconds],
    );
    if (!renewed.length) return false;
    const { has_citizen: hasCitizen, undeliverable } = renewed[0];
    const renewedRow = row as RenewedOutboxRow;
    if (hasCitizen) renewedRow.citizenRecipient = undeliverable === null ? 'not_theirs' : undeliverable ? 'undeliverable' : 'deliverable';
    else delete renewedRow.citizenRecipient;
    return true;
  }

  /**
   * Hands back rows claimed under `claimToken` whose send never started (the worker is stopping):
   * any worker may take them at once instead of after the lease, and the attempt claim() counted
   * for them is taken back. Returns how many were still ours.
   */
  async releaseClaims(rows: OutboxRow[], claimToken: string): Promise<number> {
    if (!rows.length) return 0;
    const released: unknown[] = await this.dataSource.query(
      `WITH released AS (
         UPDATE outbox SET locked_by = NULL, locked_until = NULL, attempts = GREATEST(attempts - 1, 0), updated_at = now()
         WHERE id = ANY($1) AND locked_by = $2 AND state = 'queued'
         RETURNING 1
       )
       SELECT * FROM released`,
      [rows.map((r) => r.id), claimToken],
    );
    return released.length;
  }

  /** Sent. Returns false when the claim was lost (lease expired and another worker took the row). */
  async markSent(row: OutboxRow, claimToken: string, externalId?: string): Promise<boolean> {
    try {
      return await this.markSentWith(row, claimToken, externalId);
    } catch (err) {
      // the platform's id is already another row's: the send happened all the same, and a row
      // left queued would be sent again; record it without the id
      if (externalId && (err as { driverError?: { code?: string } }).driverError?.code === '23505') return this.markSentWith(row, claimToken, undefined);
      throw err;
    }
  }

  private async markSentWith(row: OutboxRow, claimToken: string, externalId?: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const updated: Array<{ message_id: string | null; external_id: string | null }> =
        await manager.query(
          `WITH done AS (
           UPDATE outbox SET state = 'sent', sent_at = now(), locked_by = NULL, locked_until = NULL, updated_at = now(),
                  external_id = COALESCE(external_id, $3)
           WHERE id = $1 AND locked_by = $2 AND state = 'queued'
           RETURNING message_id, external_id
         )
         SELECT * FROM done`,
          [row.id, claimToken, externalId ?? null],
        );
      if (!updated.length) return false;
      const messageId = updated[0].message_id;
      if (messageId) {
        await manager.query(
          `UPDATE messages m SET delivery_state = 'sent', delivery_attempts = $2,
                  external_id = CASE
                    WHEN m.external_id IS NULL AND $3::varchar IS NOT NULL AND NOT EXISTS (
                      SELECT 1 FROM messages o WHERE o.channel = m.channel AND o.external_id = $3::varchar)
                    THEN $3::varchar ELSE m.external_id END
           WHERE m.id = $1`,
          [messageId, row.attempts, updated[0].external_id],
        );
      }
      return true;
    });
  }

  /** A temporary failure: try again at `retryAt`. */
  /** `unavailable`: the server could not be reached this round (counted apart: it never makes a mail give up) */
  async markRetry(
    row: OutboxRow,
    claimToken: string,
    error: string,
    delayMs: number,
    unavailable = false,
  ): Promise<boolean> {
    return this.finishWithError(row, claimToken, 'queued', error, delayMs, unavailable);
  }

  /** A permanent failure, or too many temporary ones: stop, and show it on the thread. */
  async markFailed(row: OutboxRow, claimToken: string, error: string): Promise<boolean> {
    return this.finishWithError(row, claimToken, 'failed', error, 0);
  }

  private async finishWithError(
    row: OutboxRow,
    claimToken: string,
    state: 'queued' | 'failed',
    error: string,
    delayMs: number,
    unavailable = false,
  ) {
    const message = error.slice(0, MAX_ERROR_CHARS);
    return this.dataSource.transaction(async (manager) => {
      const updated: Array<{ message_id: string | null }> = await manager.query(
        `WITH done AS (
           UPDATE outbox SET state = $3, last_error = $4, locked_by = NULL, locked_until = NULL, updated_at = now(),
                  next_attempt_at = now() + make_interval(secs => $5),
                  unavailable_rounds = unavailable_rounds + CASE WHEN $6 THEN 1 ELSE 0 END
           WHERE id = $1 AND locked_by = $2 AND state = 'queued'
           RETURNING message_id
         )
         SELECT * FROM done`,
        [row.id, claimToken, state, message, delayMs / 1000, unavailable],
      );
      if (!updated.length) return false;
      if (updated[0].message_id) {
        await manager.query(
          `UPDATE messages SET delivery_state = $2, delivery_attempts = $3, delivery_error = $4 WHERE id = $1`,
          [updated[0].message_id, state, row.attempts, message],
        );
      }
      return true;
    });
  }

  /** Queued and failed counts and the age of the oldest queued row, per channel. */
  async stats(): Promise<OutboxChannelStats[]> {
    // two partial-index scans (queued, failed): sent rows, the bulk of the table, are never read
    const rows: Array<{
      channel: string;
      state: string;
      n: number;
      oldest: string | number | null;
    }> = await this.dataSource.query(
      `SELECT channel, 'queued' AS state, count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(created_at)) AS oldest
         FROM outbox WHERE state = 'queued' GROUP BY channel
       UNION ALL
       SELECT channel, 'failed' AS state, count(*)::int AS n, NULL AS oldest
         FROM outbox WHERE state = 'failed' GROUP BY channel`,
    );
    const byChannel = new Map<string, OutboxChannelStats>();
    for (const r of rows) {
      const s = byChannel.get(r.channel) ?? {
        channel: r.channel,
        queued: 0,
        failed: 0,
        oldestQueuedSeconds: 0,
      };
      if (r.state === 'queued') {
        s.queued = r.n;
        s.oldestQueuedSeconds = r.oldest === null ? 0 : Math.max(0, Number(r.oldest));
      } else {
        s.failed = r.n;
      }
      byChannel.set(r.channel, s);
    }
    return [...byChannel.values()].sort((a, b) => a.channel.localeCompare(b.channel));
  }
}
