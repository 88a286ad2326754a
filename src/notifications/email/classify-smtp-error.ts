/**
 * How an SMTP send failed, from nodemailer's error:
 * - `permanent`: the server refused this message for good (5xx except 503) → no retry;
 * - `unavailable`: the server could not be reached or refused us (connection, timeout, TLS, DNS,
 *   authentication) → retry without ever giving up: the mail is fine, the link is not;
 * - `temporary`: a 4xx on this message (greylisting, mailbox busy) or anything unknown → retry,
 *   up to the attempt limit.
 */
export type SmtpFailure = 'permanent' | 'unavailable' | 'temporary';

const UNAVAILABLE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

const SESSION_COMMANDS = new Set(['CONN', 'GREETING', 'EHLO', 'HELO', 'LHLO', 'STARTTLS']);

export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command.toUpperCase() : '';
  if (code === 'EAUTH' || code === 'ENOAUTH' || command.startsWith('AUTH')) return 'unavailable';
  // the session before any message: connecting, the greeting, EHLO/HELO, STARTTLS (a 5xx there,
  // e.g. STARTTLS required but not offered, refuses every message alike)
  if (SESSION_COMMANDS.has(command)) return 'unavailable';
  if (responseCode !== undefined) {
    // 421: closing the channel; 530: authentication required (RFC 4954: SMTP_USER not set for a
    // server that needs a login) — our link, not the mail
    if (responseCode === 421 || responseCode === 530) return 'unavailable';
    if (responseCode >= 500 && responseCode < 600 && responseCode !== 503) return 'permanent';
    if (responseCode >= 400 && responseCode < 500) return 'temporary';
  }
  if (code && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  // a message that cannot even be built will not build next time either
  if (code === 'EMESSAGE' && responseCode === undefined) return 'permanent';
  return 'temporary';
}
