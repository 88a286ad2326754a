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

/**
 * A delivery-status report (RFC 3464 `multipart/report`) from MAILER-DAEMON about our mail `ours`,
 * one group per recipient (`failed` / 5.1.1 unless given), with a Message-ID of its own.
 */
export function dsnMail(ours: string, recipients: Array<{ address: string; action?: string; status?: string }>): { raw: string; messageId: string } {
  const b = `dsn_${randomBytes(4).toString('hex')}`;
  const messageId = uniqueMessageId();
  const raw = buildMail({
    from: 'Mail Delivery System <MAILER-DAEMON@mx.correo.example.mx>',
    subject: 'Undelivered Mail Returned to Sender',
    messageId,
    contentType: `multipart/report; report-type=delivery-status; boundary="${b}"`,
    headers: { 'Auto-Submitted': 'auto-replied' },
    body: [
      `--${b}`, 'Content-Type: text/plain', '', "I'm sorry to have to inform you that your message could not be delivered.", '',
      `--${b}`, 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.correo.example.mx', '',
      ...recipients.flatMap((r) => [`Final-Recipient: rfc822; ${r.address}`, `Action: ${r.action ?? 'failed'}`, `Status: ${r.status ?? '5.1.1'}`, '']),
      `--${b}`, 'Content-Type: text/rfc822-headers', '', 'From: notificaciones@sanluis.gob.mx', ...(recipients[0] ? [`To: ${recipients[0].address}`] : []), `Message-ID: ${ours}`, 'Subject: Su reporte', '',
      `--${b}--`, '',
    ].join('\r\n'),
  });
  return { raw, messageId };
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
