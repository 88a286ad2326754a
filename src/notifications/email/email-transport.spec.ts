import type { SendMailOptions } from 'nodemailer';
import { loadAppConfig } from '../../config/app-config';
import type { RenewedOutboxRow } from '../outbox.service';
import { OutboxPermanentError } from '../outbox-transports';
import { EmailTransport, NOT_SENT_RECTIFIED, NOT_SENT_UNDELIVERABLE } from './email-transport';
import type { SmtpClient } from './smtp-client';

function transport(env: Record<string, string>) {
  const sent: SendMailOptions[] = [];
  const smtp = { send: async (mail: SendMailOptions) => void sent.push(mail) } as unknown as SmtpClient;
  return { sent, transport: new EmailTransport(smtp, loadAppConfig(env)) };
}

const row = (over: Partial<RenewedOutboxRow> = {}): RenewedOutboxRow => ({
  id: '1',
  channel: 'email',
  kind: 'acknowledgement',
  ticketId: '7',
  messageId: '9',
  recipient: 'maria@correo.mx',
  externalId: '<enlace.1@sanluis.gob.mx>',
  payload: { template: 'acknowledgement', subject: '[SLP-2026-000001] Recibimos su reporte', text: 'Hola', html: '<p>Hola</p>', inReplyTo: null, references: [], automatic: true },
  attempts: 1,
  unavailableRounds: 0,
  createdAt: new Date(),
  ...over,
});

describe('EmailTransport', () => {
  const imap = { IMAP_HOST: 'imap.sanluis.gob.mx', IMAP_USER: 'atencionciudadana@sanluis.gob.mx', IMAP_PASSWORD: 'secreto' };
  const from = { MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>' };

  it('sets Reply-To to the mailbox the reader reads when MAIL_REPLY_TO is unset', async () => {
    const { sent, transport: t } = transport({ ...from, ...imap });
    await t.send(row());
    expect(sent[0]).toMatchObject({ from: from.MAIL_FROM, replyTo: 'atencionciudadana@sanluis.gob.mx', to: 'maria@correo.mx' });
  });

  it('falls back to MAIL_FROM’s address without IMAP, and MAIL_REPLY_TO wins over both', async () => {
    const noImap = transport(from);
    await noImap.transport.send(row());
    expect(noImap.sent[0].replyTo).toBe('notificaciones@sanluis.gob.mx');
    const explicit = transport({ ...from, ...imap, MAIL_REPLY_TO: 'buzon@sanluis.gob.mx' });
    await explicit.transport.send(row());
    expect(explicit.sent[0].replyTo).toBe('buzon@sanluis.gob.mx');
  });

  it('does not write to a citizen whose address bounced or was rectified since the mail was queued', async () => {
    const { sent, transport: t } = transport(from);
    await expect(t.send(row({ citizenRecipient: 'undeliverable' }))).rejects.toEqual(new OutboxPermanentError(NOT_SENT_UNDELIVERABLE));
    await expect(t.send(row({ kind: 'reply', citizenRecipient: 'not_theirs' }))).rejects.toEqual(new OutboxPermanentError(NOT_SENT_RECTIFIED));
    await expect(t.send(row({ kind: 'status_changed', citizenRecipient: 'not_theirs' }))).rejects.toBeInstanceOf(OutboxPermanentError);
    expect(sent).toEqual([]);
    // still theirs and deliverable; or not a mail to the citizen (an overdue notice to a supervisor)
    await t.send(row({ citizenRecipient: 'deliverable' }));
    await t.send(row({ kind: 'sla_overdue', recipient: 'supervisora@sanluis.gob.mx', citizenRecipient: 'not_theirs' }));
    expect(sent.map((m) => m.to)).toEqual(['maria@correo.mx', 'supervisora@sanluis.gob.mx']);
  });
});
