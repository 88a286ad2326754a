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

/** A relay refused to us (our set-up), not an unknown recipient ("User unknown in relay recipient table" is one) */
const RELAY_DENIED = /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|unable to relay|not (?:allowed|permitted|authori[sz]ed) to relay|we do not relay/i;

const SESSION_COMMANDS = new Set(['CONN', 'GREETING', 'EHLO', 'HELO', 'LHLO', 'STARTTLS']);

export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown; response?: unknown; timeoutType?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command.toUpperCase() : '';
  // the socket went quiet in the middle of a session — maybe after the whole message went out and
  // before the server's 250 came back: the mail may have arrived, so it is an attempt that counts
  // (OUTBOX_MAX_ATTEMPTS bounds the copies), not a link failure retried without end
  if (code === 'ETIMEDOUT' && e.timeoutType === 'SOCKET_TIMEOUT') return 'temporary';
  if (code === 'EAUTH' || code === 'ENOAUTH' || command.startsWith('AUTH')) return 'unavailable';
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
    // the sender refused (MAIL FROM: a From/Return-Path the server does not let us use) or relaying
    // denied: every mail alike — our set-up, not this mail; it waits and /health/ready says why.
    // 552 at MAIL FROM is the message's declared size: that one mail
    if (command === 'MAIL FROM' && responseCode !== 552) return 'unavailable';
    if (command.startsWith('RCPT') && typeof e.response === 'string' && RELAY_DENIED.test(e.response) && !/\b5\.1\.\d/.test(e.response)) return 'unavailable';
  }
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
