import { simpleParser, type ParsedMail } from 'mailparser';
import { createServer as createNetServer } from 'node:net';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerSession,
} from 'smtp-server';

/** One message the sink accepted or refused after reading it. */
export interface SinkMessage {
  raw: Buffer;
  parsed: ParsedMail;
  messageId: string;
  to: string[];
  /** the envelope sender (MAIL FROM): where bounces go; '' for the null sender <> */
  mailFrom: string;
  /** the user the session logged in as (AUTH), null without a login */
  authUser: string | null;
  /** the SMTP answer it got: 250, or the injected error code */
  answered: number;
  /** the session was encrypted (STARTTLS) when the message came */
  tls: boolean;
}

export interface SmtpReply {
  code: number;
  message: string;
}

/**
 * Fault injection. Each hook may answer with an SMTP error ({ code, message }) or undefined to
 * accept. `onMessage` runs after the whole message arrived and may also delay the answer.
 */
export interface SmtpSinkHooks {
  onRcpt?: (address: string) => SmtpReply | undefined;
  onMessage?: (message: SinkMessage) => Promise<SmtpReply | undefined> | SmtpReply | undefined;
}

/**
 * A login the sink requires (AUTH PLAIN / LOGIN, over the plain connection: no STARTTLS, which
 * would need a certificate the client trusts). MAIL FROM without a login is answered 530, a wrong
 * login 535.
 */
export interface SmtpSinkAuth {
  user: string;
  password: string;
  /** the mechanisms offered in EHLO (default both) */
  methods?: Array<'PLAIN' | 'LOGIN'>;
}

/** One AUTH command the sink answered. */
export interface SinkAuthAttempt {
  method: string;
  username: string;
  accepted: boolean;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1, for tests: keeps every message it
 * read, whether it accepted it (`delivered`) or refused it, and counts RCPT attempts per address.
 */
export class SmtpSink {
  readonly received: SinkMessage[] = [];
  readonly rcptAttempts = new Map<string, number>();
  /** AUTH commands answered (only with the `auth` option) */
  readonly authAttempts: SinkAuthAttempt[] = [];
  hooks: SmtpSinkHooks = {};
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /** Messages answered 250. */
  get delivered(): SinkMessage[] {
    return this.received.filter((m) => m.answered === 250);
  }

  /**
   * `tls`: the key and certificate STARTTLS offers (without it STARTTLS is not offered, as by a
   * server without TLS or through someone who strips the offer); a login is then only taken over TLS.
   */
  static async start(opts: { port?: number; hooks?: SmtpSinkHooks; auth?: SmtpSinkAuth; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<SmtpSink> {
    const ref = {} as { sink: SmtpSink };
    const required = opts.auth;
    const server = new SMTPServer({
      authOptional: !required,
      disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), ...(required ? [] : ['AUTH'])],
      ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
      authMethods: required?.methods ?? ['PLAIN', 'LOGIN'],
      logger: false,
      size: 20 * 1024 * 1024,
      onAuth(
        auth: SMTPServerAuthentication,
        _session: SMTPServerSession,
        callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
      ) {
        const accepted = !!required && auth.username === required.user && auth.password === required.password;
        ref.sink.authAttempts.push({ method: auth.method, username: auth.username ?? '', accepted });
        if (!accepted) return callback(smtpError({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
        callback(null, { user: auth.username });
      },
      onRcptTo(
        address: SMTPServerAddress,
        _session: SMTPServerSession,
        callback: (err?: Error | null) => void,
      ) {
        const addr = address.address.toLowerCase();
        ref.sink.rcptAttempts.set(addr, (ref.sink.rcptAttempts.get(addr) ?? 0) + 1);
        const reply = ref.sink.hooks.onRcpt?.(addr);
        callback(reply ? smtpError(reply) : null);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then(async (parsed) => {
              const message: SinkMessage = {
                raw,
                parsed,
                messageId: parsed.messageId
                  ? parsed.messageId.startsWith('<')
                    ? parsed.messageId
                    : `<${parsed.messageId}>`
                  : '',
                to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                authUser: typeof session.user === 'string' ? session.user : null,
                answered: 250,
                tls: Boolean((session as { secure?: boolean }).secure),
              };
              const reply = await ref.sink.hooks.onMessage?.(message);
              message.answered = reply?.code ?? 250;
              ref.sink.received.push(message);
              callback(reply ? smtpError(reply) : null);
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    server.on('error', () => undefined);
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        const address = server.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    ref.sink = new SmtpSink(server, port);
    ref.sink.hooks = opts.hooks ?? {};
    return ref.sink;
  }

  /** Delivered messages per Message-ID. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.delivered) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    return counts;
  }

  deliveredTo(address: string): SinkMessage[] {
    return this.delivered.filter((m) => m.to.includes(address.toLowerCase()));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function smtpError(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/** A TCP port nothing listens on (yet): for "SMTP is down, connection refused". */
export async function unusedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await check();
    if (last) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
