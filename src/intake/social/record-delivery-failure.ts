import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { PlatformError } from './platform-errors';
import type { PlatformDeliveryFailure } from './social-item';

/** WhatsApp status error codes meaning "the customer service window had closed": the reply goes to the press office. */
const WINDOW_CLOSED_CODES = new Set([131047]);
/**
 * A failure reported while our send of that reply is still in progress (a reply in several parts,
 * or the outbox not done recording it) is recorded once the send is settled — the sender's own
 * bookkeeping would otherwise overwrite it — unless the delivery is older than this.
 */
const SETTLE_WAIT_SECONDS = 60 * 60;

const logger = new Logger('PlatformDeliveryFailures');

interface OutboundRow {
  id: string;
  ticket_id: string;
  meta: { automatic?: boolean; notification?: string; manualReply?: string; platformFailure?: { id?: string } } | null;
  sending: boolean;
}

/**
 * Records on our thread message that WhatsApp did not deliver it after all (a `failed` status for
 * a wamid the send API had accepted, so the reply had been marked `sent`): delivery state `failed`
 * with the error, `meta.platformFailure`, and an event on the ticket. When the error says the
 * 24-hour window had closed (131047), the reply is handed to the press office like one refused at
 * send time: `meta.manualReply` 'pending' with the reason, listed in GET /intake/manual-replies —
 * except the automatic acknowledgement, which is never a task for the press office.
 *
 * The message is found by its wamid: the first part's is the message's external id (and
 * `meta.platformMessageId`), the others are in `meta.platformParts.sent`. Returns the outcome for
 * the delivery's record; throws a retryable PlatformError while the reply's send is still going on.
 */
export async function recordDeliveryFailure(dataSource: DataSource, failure: PlatformDeliveryFailure, ageSeconds: number): Promise<string> {
  const wamid = failure.platformMessageId.slice(0, 998);
  const select = `SELECT m.id, m.ticket_id, m.meta,
      (m.delivery_state = 'queued' OR EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id AND o.state = 'queued')) AS sending
    FROM messages m WHERE m.channel = $1 AND m.direction = 'outbound'`;
  let [row]: OutboundRow[] = await dataSource.query(`${select} AND m.external_id = $2 LIMIT 1`, [failure.channel, wamid]);
  // a later part of a long reply (no index: only when the first lookup found nothing, which is rare)
  row ??= (
    await dataSource.query(`${select} AND (m.meta->>'platformMessageId' = $2 OR m.meta->'platformParts'->'sent' ? $2) ORDER BY m.id DESC LIMIT 1`, [
      failure.channel,
      wamid,
    ])
  )[0];
  if (!row) {
    logger.warn({ channel: failure.channel, codes: failure.errors.map((e) => e.code) }, 'platform reported a failed delivery of a message we do not know');
    return 'delivery_failure_unknown_message';
  }
  if (row.sending && ageSeconds < SETTLE_WAIT_SECONDS) throw new PlatformError('delivery failure reported while the reply is still being sent: recorded once it is', true);

  const errors = failure.errors.length ? failure.errors : [{ code: null, title: null, details: null }];
  const described = errors.map((e) => [e.code !== null ? `código ${e.code}` : 'sin código', e.title, e.details].filter(Boolean).join(': ')).join('; ');
  const deliveryError = `WhatsApp no entregó el mensaje (${described})`.slice(0, 500);
  const windowClosed = errors.some((e) => e.code !== null && WINDOW_CLOSED_CODES.has(e.code));
  const acknowledgement = row.meta?.automatic === true && row.meta?.notification === 'acknowledgement';
  const platformFailure = { id: wamid, codes: errors.map((e) => e.code), title: errors[0].title, at: failure.timestamp.toISOString() };

  return dataSource.transaction(async (manager) => {
    const updated: unknown[] = await manager.query(
      // a redelivery of the same status changes nothing
      `WITH u AS (
         UPDATE messages SET delivery_state = 'failed', delivery_error = $2, meta = meta || jsonb_build_object('platformFailure', $3::jsonb)
         WHERE id = $1 AND ((meta->'platformFailure'->>'id') IS DISTINCT FROM $4 OR delivery_state IS DISTINCT FROM 'failed') RETURNING id
       ) SELECT id FROM u`,
      [row.id, deliveryError, JSON.stringify(platformFailure), wamid],
    );
    if (!updated.length) return 'delivery_failure_duplicate';
    const ticketId = String(row.ticket_id);
    if (windowClosed && !acknowledgement) {
      const reason = 'WhatsApp no entregó la respuesta: fuera de la ventana de 24 horas de la plataforma (código 131047); respóndala a mano';
      const handed: unknown[] = await manager.query(
        // a reply already handed over (or answered by hand) stays as it is
        `WITH u AS (
           UPDATE messages SET meta = meta || jsonb_build_object('manualReply', 'pending', 'manualReplyReason', $2::text)
           WHERE id = $1 AND NOT (meta ? 'manualReply') RETURNING id
         ) SELECT id FROM u`,
        [row.id, reason],
      );
      if (handed.length) {
        await manager.insert(TicketEvent, { ticketId, type: 'manual_reply_needed', actorKind: 'system', data: { messageId: String(row.id), reason } });
        logger.log({ ticketId, messageId: String(row.id) }, 'reply not delivered by WhatsApp (window closed) handed to the press office');
        return 'delivery_failure_manual_reply';
      }
    }
    await manager.insert(TicketEvent, {
      ticketId,
      type: 'platform_delivery_failed',
      actorKind: 'system',
      data: { messageId: String(row.id), channel: failure.channel, codes: platformFailure.codes, error: deliveryError },
    });
    logger.warn({ ticketId, messageId: String(row.id), codes: platformFailure.codes }, 'platform reported a reply as not delivered');
    return 'delivery_failure_recorded';
  });
}
