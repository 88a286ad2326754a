import { fitColumn } from '../../personal-data/core-personal-data';
import type { PersonalDataHandler } from '../../personal-data/personal-data-registry';

/** The widths (migrations/) of the varchar columns erase() rewrites: a placeholder may be longer than what it replaces. */
const WIDTH = { fromAddress: 320, subject: 500, reason: 500, error: 2000, externalId: 998 } as const;

const MATCH = `(ticket_id = ANY($1::bigint[]) OR lower(from_address) = ANY($2::text[]))`;

/**
 * The intake log and the quarantined mails keep the sender's address, the subject and (failures)
 * the raw message. Anonymising redacts the first two and deletes the raw message.
 */
export const emailIntakePersonalDataHandler: PersonalDataHandler = {
  name: 'email-intake',
  tables: ['intake_log', 'intake_failures'],
  async export(manager, s) {
    const emails = s.identifiers.emails.map((e) => e.toLowerCase());
    const log = await manager.query(
      `SELECT id, channel, from_address, subject, kind, decision, reason, created_at FROM intake_log WHERE ${MATCH} ORDER BY id`,
      [s.ticketIds, emails],
    );
    const failures = await manager.query(
      `SELECT id, channel, from_address, subject, error, status, raw_size, created_at FROM intake_failures WHERE ${MATCH} ORDER BY created_at`,
      [s.ticketIds, emails],
    );
    return { intakeLog: log, intakeFailures: failures };
  },
  async erase(manager, s, redact) {
    const emails = s.identifiers.emails.map((e) => e.toLowerCase());
    const log: Array<{ id: string; from_address: string | null; subject: string | null; reason: string | null; external_id: string | null }> =
      await manager.query(`SELECT id, from_address, subject, reason, external_id FROM intake_log WHERE ${MATCH}`, [s.ticketIds, emails]);
    for (const r of log) {
      await manager.query(`UPDATE intake_log SET from_address = $2, subject = $3, reason = $4, external_id = $5 WHERE id = $1`, [
        r.id,
        fitColumn(redact.textOrNull(r.from_address), WIDTH.fromAddress),
        fitColumn(redact.textOrNull(r.subject), WIDTH.subject),
        fitColumn(redact.textOrNull(r.reason), WIDTH.reason),
        fitColumn(redact.textOrNull(r.external_id), WIDTH.externalId),
      ]);
    }
    const failures: Array<{ id: string; from_address: string | null; subject: string | null; error: string; external_id: string | null }> =
      await manager.query(`SELECT id, from_address, subject, error, external_id FROM intake_failures WHERE ${MATCH}`, [s.ticketIds, emails]);
    for (const r of failures) {
      await manager.query(
        `UPDATE intake_failures SET from_address = $2, subject = $3, error = $4, external_id = $5, raw = NULL WHERE id = $1`,
        [
          r.id,
          fitColumn(redact.textOrNull(r.from_address), WIDTH.fromAddress),
          fitColumn(redact.textOrNull(r.subject), WIDTH.subject),
          fitColumn(redact.text(r.error), WIDTH.error),
          fitColumn(redact.textOrNull(r.external_id), WIDTH.externalId),
        ],
      );
    }
  },
};
