import { leftCodePoints } from '../../common/code-points';

/**
 * Who wrote a mail (SPEC §3.1, loop and noise protection). Pure: headers in, verdict out.
 * - `bounce`: a delivery status notification (DSN `multipart/report`, MAILER-DAEMON, empty Return-Path)
 * - `auto_reply`: vacation/out-of-office and other automatic answers
 * - `bulk`: mailing-list or bulk mail (may hold a real report; never acknowledged)
 * - `own`: sent from our own address (would loop)
 * - `human`: everything else
 * A subject alone never makes a person's mail noise: citizens write "Fuera de la oficina de Catastro
 * hay basura" and "No se puede entregar el agua…" (see `noAcknowledgement`).
 */
export type EmailKind = 'human' | 'auto_reply' | 'bounce' | 'bulk' | 'own';

export interface EmailClassification {
  kind: EmailKind;
  reason: string;
  /**
   * Mail that may be a person's, with one sign of automatic mail that is not enough to drop it: it
   * still makes its ticket when it answers none of ours, but that ticket is never acknowledged (an
   * acknowledgement to a robot is how mail loops start). Set on a `human` mail whose subject alone
   * looks like an automatic reply, and on an `auto_reply` sent by an Exchange inbox rule
   * (`X-MS-Exchange-Inbox-Rules-Loop`: a rule's auto-reply, or a person's mail a rule forwarded).
   */
  noAcknowledgement?: boolean;
  /** an `auto_reply` that makes a ticket (unacknowledged) when it answers none of ours, instead of only a log entry */
  ticketWhenUnmatched?: boolean;
}

export interface ClassifierInput {
  /** header name (any case) → raw value(s) */
  headers: Record<string, string | string[] | undefined>;
  fromAddress: string | null;
  subject: string | null;
  ownAddresses: readonly string[];
}

/**
 * Subjects automatic replies use, said as a whole ("Respuesta automática: Su reporte", "Fuera de la
 * oficina", "Out of Office - hasta el lunes"): never enough on its own to make a mail noise (a
 * citizen writes "Fuera de la oficina de Catastro hay basura acumulada"), only to leave a mail
 * without any automatic header unacknowledged. Not "Ausencia…" or "Vacaciones…": citizens write
 * "Ausencia de agua en la colonia Centro" (auto-replies say so in their headers anyway).
 */
const AUTO_SUBJECT =
  /^\s*(auto(matic)?\s*(reply|response)|respuesta\s+autom[aá]tica|out\s+of\s+(the\s+)?office|fuera\s+de\s+(la\s+)?oficina|r[ée]ponse\s+automatique|abwesenheitsnotiz)\s*([:\-–—([]|$)/i;
const BOUNCE_SENDER = /^(mailer-daemon|mail-daemon|mailer_daemon)@/i;
const NO_REPLY_SENDER = /^(no-?reply|do-?not-?reply|noresponder|no-?responder)[@+.-]/i;
/**
 * Subjects of delivery-failure reports. Only counted with a sender that sends reports (postmaster,
 * an empty Return-Path): a person's "No se puede entregar el agua en la colonia…" is no bounce. The
 * Spanish phrases are everyday words, so only at the start (after "[TAG]"s a gateway adds).
 */
const BOUNCE_SUBJECT = new RegExp(
  [
    /(undeliver|undelivered mail|delivery status notification|returned mail|delivery (has )?failed|delivery failure|failure notice|mail delivery failed|non.?delivery|no se pudo entregar|notificaci[oó]n (de|del) estado (de|del) (la )?(entrega|env[ií]o)|message not delivered|could not be delivered)/.source,
    /^\s*(\[[^\]\r\n]{0,60}\]\s*)*(no se puede entregar|no se pudo entregar|mensaje no entregado|mensaje devuelto|correo devuelto|entrega fallida|error de entrega|fallo (en la|de) entrega|no entregado|no entregable|imposible entregar)\b/.source,
  ].join('|'),
  'i',
);

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function header(input: ClassifierInput, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(input.headers)) {
    if (k.toLowerCase() === wanted) return first(v)?.trim();
  }
  return undefined;
}

export function classifyEmail(input: ClassifierInput): EmailClassification {
  const from = input.fromAddress?.trim().toLowerCase() ?? null;
  if (from && input.ownAddresses.some((a) => a.toLowerCase() === from)) return { kind: 'own', reason: 'from our own address' };

  const contentType = (header(input, 'content-type') ?? '').toLowerCase();
  // DSN (delivery-status), and the other machine reports (read receipts, ARF abuse feedback)
  if (/multipart\/report/.test(contentType)) return { kind: 'bounce', reason: 'multipart/report (DSN)' };
  if ((from && BOUNCE_SENDER.test(from)) || /\bmailer-daemon\b/i.test(header(input, 'from') ?? '')) return { kind: 'bounce', reason: 'sent by a mailer daemon' };
  if (from && /^postmaster@/.test(from) && BOUNCE_SUBJECT.test(input.subject ?? '')) return { kind: 'bounce', reason: 'postmaster with a delivery-failure subject' };
  const returnPath = header(input, 'return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath) && BOUNCE_SUBJECT.test(input.subject ?? '')) {
    return { kind: 'bounce', reason: 'empty Return-Path and a delivery-failure subject' };
  }
  if (header(input, 'x-failed-recipients')) return { kind: 'bounce', reason: 'X-Failed-Recipients' };

  const autoSubmitted = header(input, 'auto-submitted');
  if (autoSubmitted && autoSubmitted.toLowerCase() !== 'no') return { kind: 'auto_reply', reason: `Auto-Submitted: ${leftCodePoints(autoSubmitted, 40)}` };
  if (header(input, 'x-autoreply') !== undefined) return { kind: 'auto_reply', reason: 'X-Autoreply' };
  if (header(input, 'x-autorespond') !== undefined) return { kind: 'auto_reply', reason: 'X-Autorespond' };
  if (header(input, 'x-auto-response-suppress') !== undefined) return { kind: 'auto_reply', reason: 'X-Auto-Response-Suppress' };
  const precedence = (header(input, 'precedence') ?? '').toLowerCase();
  if (precedence === 'auto_reply') return { kind: 'auto_reply', reason: 'Precedence: auto_reply' };
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) return { kind: 'auto_reply', reason: 'empty Return-Path' };
  if (from && NO_REPLY_SENDER.test(from)) return { kind: 'auto_reply', reason: 'sent from a no-reply address' };
  if (['bulk', 'junk', 'list'].includes(precedence)) return { kind: 'bulk', reason: `Precedence: ${precedence}` };
  if (header(input, 'list-id') !== undefined) return { kind: 'bulk', reason: 'List-Id' };
  if (header(input, 'list-unsubscribe') !== undefined) return { kind: 'bulk', reason: 'List-Unsubscribe' };
  // an Exchange inbox rule sent it: a rule's auto-reply (no other marker) or a person's mail a rule
  // forwarded. Kept (a ticket when it answers none of ours), never acknowledged
  if (header(input, 'x-ms-exchange-inbox-rules-loop') !== undefined) {
    return { kind: 'auto_reply', reason: 'X-MS-Exchange-Inbox-Rules-Loop (sent by an Exchange inbox rule)', noAcknowledgement: true, ticketWhenUnmatched: true };
  }
  // a subject alone never makes a person's mail noise: a ticket, only not acknowledged
  if (AUTO_SUBJECT.test(input.subject ?? '')) return { kind: 'human', reason: 'automatic-reply subject without any automatic header', noAcknowledgement: true };
  return { kind: 'human', reason: 'no automatic-mail marker' };
}
