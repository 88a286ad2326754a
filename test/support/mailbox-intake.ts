import { randomBytes } from 'node:crypto';
import { buildMail, type MailSpec, type TestMailbox, uniqueMessageId, waitFor } from './imap-test';
import type { TestApp } from './test-app';

/** The intake-log row the app's mailbox reader wrote for a mail. */
export interface IntakeLogRow {
  decision: string;
  reason: string;
  ticket_id: string | null;
  message_id: string | null;
  acknowledged: boolean;
  kind: string;
  subject: string | null;
}

/** Appends a raw mail to the test mailbox and waits for the app's reader to log it. */
export async function deliverMail(t: TestApp, box: TestMailbox, raw: string | Buffer, externalId: string): Promise<IntakeLogRow> {
  await box.append(raw);
  return waitFor(async () => {
    const rows: IntakeLogRow[] = await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1 ORDER BY id DESC LIMIT 1`, [externalId]);
    return rows[0];
  }, `intake of ${externalId}`);
}

/** Builds a mail (a unique Message-ID unless given), delivers it and returns its log row and Message-ID. */
export async function sendMail(t: TestApp, box: TestMailbox, spec: MailSpec = {}): Promise<{ log: IntakeLogRow; messageId: string }> {
  const messageId = spec.messageId ?? uniqueMessageId();
  const log = await deliverMail(t, box, buildMail({ ...spec, messageId }), messageId);
  return { log, messageId };
}

/** One of our notification emails on a ticket, as the outbox stores it once sent: its Message-ID, to reply to. */
export async function ourEmailOn(t: TestApp, ticketId: string, bodyText = 'Su reporte fue recibido'): Promise<string> {
  const messageId = `<enlace.${randomBytes(6).toString('hex')}@sanluis.gob.mx>`;
  await t.db.query(
    `INSERT INTO messages (ticket_id, direction, channel, body_text, external_id, public, delivery_state) VALUES ($1, 'outbound', 'email', $3, $2, true, 'sent')`,
    [ticketId, messageId, bodyText],
  );
  return messageId;
}
