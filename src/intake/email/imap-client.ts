import { Injectable } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import { isDriverError } from '../../common/safe-log';
import { AppConfig } from '../../config/app-config';
import { credentialForms } from '../../common/credential-forms';

/** The one place that opens IMAP connections (outside I/O behind one small injectable). */
@Injectable()
export class ImapClientFactory {
  constructor(private readonly config: AppConfig) {}

  create(): ImapFlow {
    const imap = this.config.imap;
    if (!imap) throw new Error('IMAP is not configured');
    return new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.secure,
      // STARTTLS or no login: imapflow otherwise carries on in clear when the offer is missing
      // (a server without TLS, or someone on the path who stripped it)
      ...(imap.requireTls ? { doSTARTTLS: true } : {}),
      auth: { user: imap.user, pass: imap.password },
      logger: false,
      connectionTimeout: 15_000,
      greetingTimeout: 10_000,
      socketTimeout: 5 * 60_000,
      // IDLE starts as soon as the reader is between passes, so new mail is noticed at once
      autoIdleDelay: 300,
      // IDLE is restarted every few minutes so broken connections are noticed
      maxIdleTime: 4 * 60_000,
    });
  }
}

/** What imapflow and Node's socket/DNS layer put on their errors. */
interface ImapErrorFields {
  code?: unknown;
  serverResponseCode?: unknown;
  responseText?: unknown;
  authenticationFailed?: unknown;
  /** the server's BYE text on a connection it ended */
  reason?: unknown;
}

const SERVER_TEXT_MAX = 160;
const DESCRIPTION_MAX = 500;

/**
 * A failure of the mailbox reader in one line, for /health/ready (a public endpoint) and the log:
 * the error's class and message plus what says why — imapflow's server response code and short
 * server text (`Command failed [AUTHENTICATIONFAILED] "Authentication failed."`), or the socket/DNS
 * code (ENOTFOUND, ECONNREFUSED, ETIMEDOUT). The server text is the server's and may echo what it
 * was sent: the IMAP password, also base64-encoded as AUTHENTICATE sends it, and long opaque
 * tokens are cut out of the whole line, and a password too short to cut out safely drops the
 * server text altogether. A database error's message is withheld (it may quote row values).
 */
export function describeImapError(err: unknown, credentials?: { user: string; password: string }): string {
  if (!(err instanceof Error)) return redact(String(err), credentials).slice(0, DESCRIPTION_MAX);
  const e = err as Error & ImapErrorFields;
  if (isDriverError(e as unknown as Record<string, unknown>)) {
    const driver: ImapErrorFields = (e as { driverError?: ImapErrorFields }).driverError ?? e;
    const code = typeof driver.code === 'string' ? driver.code : typeof e.code === 'string' ? e.code : null;
    return `${e.name}: database error${code ? ` ${code}` : ''} (message withheld: it may quote row values)`;
  }
  const parts = [`${e.name}: ${e.message}`];
  if (typeof e.serverResponseCode === 'string' && e.serverResponseCode) parts.push(`[${e.serverResponseCode}]`);
  else if (e.authenticationFailed === true && !/authentication failed/i.test(e.message)) parts.push('[authentication failed]');
  if (typeof e.code === 'string' && e.code && !e.message.includes(e.code)) parts.push(`(${e.code})`);
  const password = credentials?.password ?? '';
  const serverText = [e.responseText, e.reason].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (serverText && (password.length >= 4 || !credentials)) parts.push(`"${oneLine(serverText).slice(0, SERVER_TEXT_MAX)}"`);
  return redact(parts.join(' '), credentials).slice(0, DESCRIPTION_MAX);
}

/** Control characters (a server's CR LF, NUL) as spaces, whitespace runs collapsed. */
function oneLine(text: string): string {
  let out = '';
  for (const ch of text) out += ch.charCodeAt(0) < 0x20 || ch === '\u007f' ? ' ' : ch;
  return out.replace(/\s+/g, ' ').trim();
}

function redact(text: string, credentials: { user: string; password: string } | undefined): string {
  let out = oneLine(text);
  const { user = '', password = '' } = credentials ?? {};
  if (password) {
    const literals = new Set(credentialForms(user, password).filter((s) => s.length >= 4));
    for (const s of [...literals].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  }
  // long opaque tokens (base64 of credentials, OAuth tokens)
  return out.replace(/[A-Za-z0-9+/_-]{24,}={0,2}/g, '[redacted]');
}
