import type { PersonalDataHandler } from '../personal-data/personal-data-registry';

/**
 * The outbox holds the citizen's address and the rendered mail/message. Anonymising redacts both,
 * and whatever was still waiting is not sent any more.
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
    const rows: Array<{ id: string; recipient: string; payload: unknown; last_error: string | null; state: string }> = await manager.query(
      `SELECT id, recipient, payload, last_error, state FROM outbox WHERE ticket_id = ANY($1::bigint[]) FOR UPDATE`,
      [subject.ticketIds],
    );
    for (const r of rows) {
      await manager.query(
        `UPDATE outbox SET recipient = $2, payload = $3, last_error = $4,
                state = CASE WHEN state = 'queued' THEN 'failed' ELSE state END, updated_at = now()
         WHERE id = $1`,
        [r.id, redact.text(r.recipient), JSON.stringify(redact.json(r.payload)), r.state === 'queued' ? 'no enviado: datos personales anonimizados' : redact.textOrNull(r.last_error)],
      );
    }
  },
};
