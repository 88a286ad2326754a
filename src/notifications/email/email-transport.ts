import { AppConfig } from '../../config/app-config';
import {
  OutboxPermanentError,
  OutboxRow,
  OutboxTransport,
  OutboxUnavailableError,
} from '../outbox-transports';
import type { RenewedOutboxRow } from '../outbox.service';
import { classifySmtpError } from './classify-smtp-error';
import { parseMailbox } from './mail-address';
import { SmtpClient } from './smtp-client';

/** What the email notifier writes into an outbox row's payload. */
export interface EmailPayload {
  template: string;
  subject: string;
  text: string;
  html: string;
  inReplyTo: string | null;
  references: string[];
  /** automatic mail: `Auto-Submitted: auto-replied` so the citizen's auto-responder stays quiet */
  automatic: boolean;
}

/** Outbox kinds of the mails written to a ticket's citizen (EmailNotifier); others, e.g. an overdue notice, go to staff. */
export const CITIZEN_MAIL_KINDS: readonly string[] = ['acknowledgement', 'status_changed', 'reply'];

/** What staff see on the thread when a mail to the citizen is not sent (OutboxRow.citizenRecipient). */
export const NOT_SENT_UNDELIVERABLE =
  'no enviado: la dirección está marcada como no entregable (se registró un rebote); se restablece cuando el ciudadano vuelva a escribir desde ella o el personal la confirme';
export const NOT_SENT_RECTIFIED = 'no enviado: la dirección fue rectificada y ya no es del ciudadano';

/** Sends `email` outbox rows over SMTP with our Message-ID, threading headers and UTF-8 bodies. */
export class EmailTransport implements OutboxTransport {
  constructor(
    private readonly smtp: SmtpClient,
    private readonly config: AppConfig,
  ) {}

  async send(row: OutboxRow): Promise<{ externalId?: string }> {
    const p = row.payload as unknown as EmailPayload;
    if (!row.externalId) throw new OutboxPermanentError('no enviado: falta el identificador (Message-ID) del correo');
    if (typeof p.subject !== 'string' || typeof p.text !== 'string')
      throw new OutboxPermanentError('no enviado: el correo no tiene contenido');
    // the addressee as it is right before the send (OutboxService.renewClaim): a bounce recorded
    // or a rectification since the row was queued stops a mail to the citizen
    if (CITIZEN_MAIL_KINDS.includes(row.kind)) {
      const state = (row as RenewedOutboxRow).citizenRecipient;
      if (state === 'undeliverable') throw new OutboxPermanentError(NOT_SENT_UNDELIVERABLE);
      if (state === 'not_theirs') throw new OutboxPermanentError(NOT_SENT_RECTIFIED);
    }
    // RFC 3834: the acknowledgement answers the citizen's mail (auto-replied); a status notice
    // answers nothing (auto-generated). Both keep vacation responders quiet.
    const headers: Record<string, string> = p.automatic
      ? { 'Auto-Submitted': p.template === 'acknowledgement' ? 'auto-replied' : 'auto-generated', 'X-Auto-Response-Suppress': 'All' }
      : {};
    try {
      await this.smtp.send({
        from: this.config.mailFrom,
        replyTo: this.config.mailReplyTo ?? parseMailbox(this.config.mailFrom).address,
        to: row.recipient,
        // bounces go to the envelope sender: MAIL_RETURN_PATH (the mailbox the reader reads, so they are recorded)
        envelope: { from: this.config.mailReturnPath, to: row.recipient },
        subject: p.subject,
        text: p.text,
        html: p.html,
        messageId: row.externalId,
        ...(p.inReplyTo ? { inReplyTo: p.inReplyTo } : {}),
        ...(p.references?.length ? { references: p.references } : {}),
        headers,
      });
    } catch (err) {
      const detail = smtpErrorText(err);
      const kind = classifySmtpError(err);
      if (kind === 'permanent') throw new OutboxPermanentError(detail, { cause: err });
      if (kind === 'unavailable') throw new OutboxUnavailableError(detail, { cause: err });
      throw new Error(detail, { cause: err });
    }
    return { externalId: row.externalId };
  }
}

/** "550 5.1.1 … (RCPT TO)" — what staff see on the thread. */
function smtpErrorText(err: unknown): string {
  const e = err as { message?: string; response?: string; code?: string; command?: string };
  const parts = [e?.response || e?.message || String(err)];
  if (e?.command) parts.push(`(${e.command})`);
  if (e?.code && !(e.response || '').includes(e.code)) parts.push(`[${e.code}]`);
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
