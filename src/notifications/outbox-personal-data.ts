import { pseudonymiseWamids, wamidNeedles } from '../intake/social/social-events-personal-data';
import type { PersonalDataHandler } from '../personal-data/personal-data-registry';

/** The width (migrations/) of outbox.external_id. */
const EXTERNAL_ID_WIDTH = 998;

/**
 * The outbox holds the citizen's address and the rendered mail/message. Anonymising redacts both,
 * and whatever was still waiting is not sent any more. The WhatsApp message ids of our replies to
 * the citizen (external_id) hold their phone number (see WAMID in social-events-personal-data.ts):
 * they become pseudonymousWamid(), the same pseudonym the thread message and the raw deliveries
 * get; what follows the wamid (a ':<n>' suffix) stays. Should the pseudonym already be taken on
 * the channel, ':<outbox id>' goes after it, so (channel, external_id) stays unique.
 */
export const outboxPersonalDataHandler: PersonalDataHandler = {
  name: 'outbox',
  tables: ['outbox'],
  async export(manager, subject) {
    const rows = await manager.query(
      `SELECT id, channel, kind, recipient, state, attempts, created_at, sent_at FROM outbox WHERE ticket_id = ANY($1::bigint[]) ORDER BY id`,
      [subject.ticketIds],
    );
    return { outbox: rows };
  },
  async erase(manager, subject, redact) {
    const needles = wamidNeedles(subject);
    const wamids = (value: unknown): unknown =>
      typeof value === 'string'
        ? pseudonymiseWamids(value, needles)
        : Array.isArray(value)
          ? value.map(wamids)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, wamids(v)]))
            : value;
    const rows: Array<{ id: string; channel: string; recipient: string; external_id: string | null; payload: unknown; last_error: string | null; state: string }> =
      await manager.query(
        `SELECT id, channel, recipient, external_id, payload, last_error, state FROM outbox WHERE ticket_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
        [subject.ticketIds],
      );
    for (const r of rows) {
      let externalId = r.external_id === null ? null : pseudonymiseWamids(r.external_id, needles);
      if (externalId !== null && externalId !== r.external_id) {
        const taken: unknown[] = await manager.query(`SELECT 1 FROM outbox WHERE channel = $1 AND external_id = $2 AND id <> $3 LIMIT 1`, [
          r.channel,
          externalId,
          r.id,
        ]);
        if (taken.length) externalId = `${externalId.slice(0, EXTERNAL_ID_WIDTH - r.id.length - 1)}:${r.id}`;
      }
      await manager.query(
        `UPDATE outbox SET recipient = $2, payload = $3, last_error = $4, external_id = $5,
                state = CASE WHEN state = 'queued' THEN 'failed' ELSE state END, updated_at = now()
         WHERE id = $1`,
        [
          r.id,
          redact.text(r.recipient),
          JSON.stringify(redact.json(wamids(r.payload))),
          r.state === 'queued' ? 'no enviado: datos personales anonimizados' : redact.textOrNull(r.last_error === null ? null : pseudonymiseWamids(r.last_error, needles)),
          externalId,
        ],
      );
    }
  },
};
