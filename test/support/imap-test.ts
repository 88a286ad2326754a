import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';

/** The Dovecot started by test/support/global-setup.js (see dovecot-server.js). */
export function imapServer(): { host: string; port: number; password: string } {
  if (process.env.TEST_IMAP_ERROR) throw new Error(process.env.TEST_IMAP_ERROR);
  if (!process.env.TEST_IMAP_PORT) throw new Error('TEST_IMAP_PORT is not set: run the tests with `npm test`');
  return { host: process.env.TEST_IMAP_HOST ?? '127.0.0.1', port: Number(process.env.TEST_IMAP_PORT), password: process.env.TEST_IMAP_PASSWORD ?? 'secreto123' };
}

/** A mailbox of its own (Dovecot accepts any user name): buzon-<random>@test.local */
export function newMailboxUser(): string {
  return `buzon-${randomBytes(5).toString('hex')}@test.local`;
}

export function imapEnv(user: string, extra: Record<string, string> = {}): Record<string, string> {
  const s = imapServer();
  return {
    IMAP_HOST: s.host,
    IMAP_PORT: String(s.port),
    IMAP_SECURE: 'false',
    IMAP_USER: user,
    IMAP_PASSWORD: s.password,
    IMAP_PROCESSED_MAILBOX: 'Procesados',
    IMAP_FAILED_MAILBOX: 'Fallidos',
    IMAP_RECONCILE_SECONDS: '5',
    ...extra,
  };
}

/** A plain IMAP client of the test (the "outside world" appending mail and looking at folders). */
export class TestMailbox {
  private client: ImapFlow | null = null;
  constructor(readonly user: string) {}

  private async connect(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    const s = imapServer();
    const client = new ImapFlow({ host: s.host, port: s.port, secure: false, auth: { user: this.user, pass: s.password }, logger: false });
    client.on('error', () => undefined);
    await client.connect();
    this.client = client;
    return client;
  }

  /** `date`: the message's INTERNALDATE (when the server received it); now by default */
  async append(raw: string | Buffer, mailbox = 'INBOX', date?: Date): Promise<void> {
    const client = await this.connect();
    await client.mailboxCreate(mailbox).catch(() => undefined);
    await client.append(mailbox, raw, [], date);
  }

  async count(mailbox: string): Promise<number> {
    const client = await this.connect();
    const status = await client.status(mailbox, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  }

  async folders(): Promise<{ inbox: number; processed: number; failed: number }> {
    return { inbox: await this.count('INBOX'), processed: await this.count('Procesados'), failed: await this.count('Fallidos') };
  }

  /** Flags of every message in a folder. */
  async flags(mailbox: string): Promise<string[][]> {
    const client = await this.connect();
    const lock = await client.getMailboxLock(mailbox);
    try {
      const out: string[][] = [];
      for await (const m of client.fetch('1:*', { flags: true })) out.push([...(m.flags ?? [])]);
      return out;
    } finally {
      lock.release();
    }
  }

  async recreate(mailbox: string): Promise<void> {
    const client = await this.connect();
    await client.mailboxDelete(mailbox).catch(() => undefined);
    await client.mailboxCreate(mailbox);
  }

  async close(): Promise<void> {
    await this.client?.logout().catch(() => undefined);
    this.client = null;
  }
}

export interface MailSpec {
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  text?: string;
  html?: string;
  contentType?: string;
  /** raw body (already encoded) */
  body?: string;
  attachments?: Array<{ filename: string; contentType: string; content: Buffer }>;
}

let seq = 0;
export function uniqueMessageId(): string {
  return `<prueba.${Date.now()}.${++seq}.${randomBytes(3).toString('hex')}@correo.example.mx>`;
}

/** Builds an RFC 822 message (CRLF) from a small description. */
export function buildMail(spec: MailSpec): string {
  const h: string[] = [
    `From: ${spec.from ?? 'Ciudadana <ciudadana@correo.example.mx>'}`,
    `To: ${spec.to ?? 'atencion@test.local'}`,
    `Subject: ${spec.subject ?? 'Bache en la calle'}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  if (spec.messageId !== null) h.push(`Message-ID: ${spec.messageId ?? uniqueMessageId()}`);
  if (spec.inReplyTo) h.push(`In-Reply-To: ${spec.inReplyTo}`);
  if (spec.references) h.push(`References: ${spec.references}`);
  for (const [k, v] of Object.entries(spec.headers ?? {})) h.push(`${k}: ${v}`);
  let body: string;
  if (spec.body !== undefined) {
    h.push(`Content-Type: ${spec.contentType ?? 'text/plain; charset=utf-8'}`);
    body = spec.body;
  } else if (spec.attachments?.length) {
    const b = `b_${randomBytes(6).toString('hex')}`;
    h.push(`Content-Type: multipart/mixed; boundary="${b}"`);
    const parts = [
      `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(Buffer.from(spec.text ?? '', 'utf8').toString('base64'))}`,
      ...spec.attachments.map(
        (a) =>
          `--${b}\r\nContent-Type: ${a.contentType}; name="${a.filename}"\r\nContent-Disposition: attachment; filename="${a.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(a.content.toString('base64'))}`,
      ),
    ];
    body = `${parts.join('\r\n')}\r\n--${b}--\r\n`;
  } else if (spec.html !== undefined && spec.text === undefined) {
    h.push('Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64');
    body = wrap(Buffer.from(spec.html, 'utf8').toString('base64'));
  } else {
    h.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64');
    body = wrap(Buffer.from(spec.text ?? 'Hay un bache enorme frente al mercado República.', 'utf8').toString('base64'));
  }
  return `${h.join('\r\n')}\r\n\r\n${body}`;
}

function wrap(b64: string): string {
  return (b64.match(/.{1,76}/g) ?? ['']).join('\r\n');
}

/** Polls until fn returns a truthy value (no timed assertions: the jest timeout is the limit). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, what = 'condition', timeoutMs = 45_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
