import net from 'node:net';
import { MailboxReader } from '../../src/intake/email/mailbox-reader';
import { LogCapture } from '../support/log-capture';
import { buildMail, imapEnv, imapServer, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(120_000);

/** A TCP relay in front of the test Dovecot: records when each of the reader's IMAP connections opened and closed. */
class CountingProxy {
  readonly sessions: Array<{ openedAt: number; closedAt: number | null }> = [];
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  port = 0;

  async start(): Promise<void> {
    const upstream = imapServer();
    const server = net.createServer((client) => {
      const session = { openedAt: Date.now(), closedAt: null as number | null };
      this.sessions.push(session);
      // from a loopback address of its own: Dovecot's auth penalty (per client IP) for this file's
      // failed logins then does not slow down the logins of test files running beside it
      const dovecot = net.connect({ port: upstream.port, host: upstream.host, localAddress: '127.0.0.2' });
      this.sockets.add(client).add(dovecot);
      const end = () => {
        session.closedAt ??= Date.now();
        client.destroy();
        dovecot.destroy();
        this.sockets.delete(client);
        this.sockets.delete(dovecot);
      };
      client.on('error', end).on('close', end);
      dovecot.on('error', end).on('close', end);
      client.pipe(dovecot);
      dovecot.pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
  }

  closed(): Array<{ openedAt: number; closedAt: number }> {
    return this.sessions.filter((s): s is { openedAt: number; closedAt: number } => s.closedAt !== null);
  }

  /** Cuts every open connection (as a network failure would). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const WRONG_PASSWORD = 'Clave-Equivocada-7q2Zx';

// the application's pino logger is built once per process (nestjs-pino's root logger): every app
// of this file logs to the stream of the first one, so they share one capture, read from a mark on
const logs = new LogCapture();
async function startApp(env: Record<string, string>): Promise<{ t: TestApp; since: number }> {
  const since = logs.lines().length;
  const t = await startTestApp({ LOG_LEVEL: 'debug', ...env }, { logDestination: logs.stream });
  return { t, since };
}
const sessionFailures = (since: number) => logs.lines().slice(since).filter((l) => l.msg === 'mailbox reader session failed; retrying with backoff');

/**
 * A reader that cannot log in (a mistyped IMAP_PASSWORD) must back off — 1, 2, 4 … 60 s — instead
 * of logging in again every couple of seconds (a provider locks the mailbox after that), say why
 * it fails, and still stop at once when the application shuts down.
 */
describe('IMAP reconnect backoff (real Dovecot, real PostgreSQL)', () => {
  describe('with a wrong password', () => {
    let t: TestApp;
    let since: number;
    const proxy = new CountingProxy();
    const user = newMailboxUser();

    beforeAll(async () => {
      await proxy.start();
      ({ t, since } = await startApp(imapEnv(user, { IMAP_PORT: String(proxy.port), IMAP_PASSWORD: WRONG_PASSWORD })));
    });
    afterAll(async () => {
      await t?.close();
      await proxy.stop();
    });

    it('waits longer and longer between failed logins', async () => {
      await waitFor(async () => proxy.sessions.length > 0, 'the first login attempt');
      const first = proxy.sessions[0].openedAt;
      const windowMs = 16_000;
      // a window to count attempts in, not a timing assertion
      await waitFor(async () => Date.now() > first + windowMs && proxy.closed().length >= 4, 'the window and four failed sessions', 60_000);
      const inWindow = proxy.sessions.filter((s) => s.openedAt <= first + windowMs).length;
      // schedule: ~1 s, ~2 s, ~4 s, ~8 s (±25 %) after each failure; each failed login also takes
      // Dovecot 2-6 s (its auth failure delay and penalty), so at most 5 attempts fit in 16 s
      expect(inWindow).toBeGreaterThanOrEqual(2);
      expect(inWindow).toBeLessThanOrEqual(6);
      // Dovecot's delay hides a missing backoff from the count (one attempt every 2-6 s either way):
      // the idle time between two sessions is what the reader controls. It must be the backoff, at
      // least 0.75 + 1.5 + 3 s over the first three retries (lower bounds: load only lengthens it);
      // without the backoff each next login started within ~20 ms of the failure
      const [a, b, c, d] = proxy.closed();
      const idle = b.openedAt - a.closedAt + (c.openedAt - b.closedAt) + (d.openedAt - c.closedAt);
      expect(idle).toBeGreaterThanOrEqual(4_000);
      expect(c.openedAt - b.closedAt).toBeGreaterThanOrEqual(1_000);
      expect(d.openedAt - c.closedAt).toBeGreaterThanOrEqual(2_000);
    });

    it('says why in /health/ready and in the log, without the password', async () => {
      const ready = await t.http().get('/health/ready');
      const mailbox = ready.body.details.mailbox as { lastError: string | null; reconnects: number; connection: string };
      expect(mailbox.lastError).toMatch(/AUTHENTICATIONFAILED/);
      expect(mailbox.lastError).toMatch(/Authentication failed/);
      expect(mailbox.reconnects).toBeGreaterThanOrEqual(1);
      const failures = sessionFailures(since);
      expect(failures.length).toBeGreaterThanOrEqual(1);
      expect(failures[0]).toMatchObject({ reason: expect.stringMatching(/AUTHENTICATIONFAILED/), attempt: 1 });
      const plainAuth = Buffer.from(`\0${user}\0${WRONG_PASSWORD}`).toString('base64');
      for (const text of [JSON.stringify(ready.body), logs.text()]) {
        expect(text).not.toContain(WRONG_PASSWORD);
        expect(text).not.toContain(Buffer.from(WRONG_PASSWORD).toString('base64').replace(/=+$/, ''));
        expect(text).not.toContain(plainAuth.replace(/=+$/, ''));
      }
    });

    it('stops at once during a backoff', async () => {
      // after the fourth failure the reader waits 6-10 s, after the fifth 12-20 s
      const before = proxy.closed().length;
      await waitFor(async () => proxy.closed().length > Math.max(before, 4), 'another failed session', 60_000);
      const reader = t.app.get(MailboxReader);
      await waitFor(async () => reader.snapshot().connection === 'disconnected', 'the reader to be between sessions');
      const attempts = proxy.sessions.length;
      const started = Date.now();
      await reader.beforeApplicationShutdown();
      const took = Date.now() - started;
      expect(took).toBeLessThan(5_000);
      expect(reader.snapshot().role).toBe('off');
      expect(proxy.sessions.length).toBe(attempts);
    });
  });

  it('logs the network error code when the server cannot be reached', async () => {
    const port = 1; // privileged: nothing listens there (an ephemeral port could be taken meanwhile)
    const { t, since } = await startApp(imapEnv(newMailboxUser(), { IMAP_PORT: String(port), IMAP_PASSWORD: WRONG_PASSWORD }));
    try {
      await waitFor(async () => sessionFailures(since).length >= 1, 'a failed session');
      expect(sessionFailures(since)[0]).toMatchObject({ reason: expect.stringMatching(/ECONNREFUSED/) });
      const ready = await t.http().get('/health/ready');
      expect(ready.body.details.mailbox.lastError).toMatch(/ECONNREFUSED/);
      expect(logs.text() + JSON.stringify(ready.body)).not.toContain(WRONG_PASSWORD);
    } finally {
      await t.close();
    }
  });

  describe('with the right password', () => {
    let t: TestApp;
    let since: number;
    let box: TestMailbox;
    const proxy = new CountingProxy();
    const user = newMailboxUser();
    const decisionOf = async (id: string) => (await t.db.query<Array<{ decision: string }>>(`SELECT decision FROM intake_log WHERE external_id = $1`, [id]))[0]?.decision;

    beforeAll(async () => {
      await proxy.start();
      box = new TestMailbox(user);
      // the periodic reconcile is 10 minutes away: only the server's EXISTS (IDLE) can bring mail in
      ({ t, since } = await startApp(imapEnv(user, { IMAP_PORT: String(proxy.port), IMAP_RECONCILE_SECONDS: '600' })));
    });
    afterAll(async () => {
      await box?.close();
      await t?.close();
      await proxy.stop();
    });

    it('still wakes at once for new mail (IDLE), and reconnects after a dropped connection', async () => {
      const reader = t.app.get(MailboxReader);
      await waitFor(async () => reader.snapshot().lastSyncAt, 'the first pass');
      const first = uniqueMessageId();
      await box.append(buildMail({ messageId: first }));
      expect(await waitFor(() => decisionOf(first), 'the mail, woken by IDLE', 30_000)).toBe('created');

      proxy.dropAll();
      await waitFor(async () => proxy.sessions.length >= 2 && reader.snapshot().connection === 'connected', 'a new connection', 30_000);
      const second = uniqueMessageId();
      await box.append(buildMail({ messageId: second }));
      expect(await waitFor(() => decisionOf(second), 'the mail after the reconnect', 30_000)).toBe('created');
      expect(reader.snapshot().reconnects).toBe(1);
      expect(sessionFailures(since)).toEqual([expect.objectContaining({ reason: expect.stringMatching(/closed/), attempt: 1 })]);
    });

  });
  describe('after a lost connection', () => {
    let t: TestApp;
    let since: number;
    let box: TestMailbox;
    const proxy = new CountingProxy();
    const user = newMailboxUser();
    const RECONCILE_S = 5; // the smallest IMAP_RECONCILE_SECONDS allowed
    const decisionOf = async (id: string) => (await t.db.query<Array<{ decision: string }>>(`SELECT decision FROM intake_log WHERE external_id = $1`, [id]))[0]?.decision;

    beforeAll(async () => {
      await proxy.start();
      box = new TestMailbox(user);
      ({ t, since } = await startApp(imapEnv(user, { IMAP_PORT: String(proxy.port), IMAP_RECONCILE_SECONDS: String(RECONCILE_S) })));
    });
    afterAll(async () => {
      await box?.close();
      await t?.close();
      await proxy.stop();
    });

    /** waits for a connected session that went through a pass of the mailbox (a new mail in it) */
    const syncedSession = async () => {
      const reader = t.app.get(MailboxReader);
      await waitFor(async () => reader.snapshot().connection === 'connected' && reader.snapshot().lastSyncAt, 'a connected session', 30_000);
      const id = uniqueMessageId();
      await box.append(buildMail({ messageId: id }));
      expect(await waitFor(() => decisionOf(id), 'the mail', 30_000)).toBe('created');
    };
    const dropAndWaitForFailure = async () => {
      const n = sessionFailures(since).length;
      proxy.dropAll();
      await waitFor(async () => sessionFailures(since).length > n, 'the lost session', 60_000);
    };

    it('starts the backoff over when a session that stayed up a reconcile interval is lost (connections dropped days apart)', async () => {
      const before = sessionFailures(since).length;
      for (let drop = 0; drop < 3; drop++) {
        await syncedSession();
        await new Promise((r) => setTimeout(r, RECONCILE_S * 1000 + 1000)); // up longer than the interval
        await dropAndWaitForFailure();
      }
      // each loss is the first failure since a healthy session (it was attempt 2, 3: waits of 2, 4 s …)
      expect(sessionFailures(since).slice(before).map((l) => l.attempt)).toEqual([1, 1, 1]);
    });

    it('keeps backing off when the server drops every session right after its first pass', async () => {
      const before = sessionFailures(since).length;
      for (let drop = 0; drop < 3; drop++) {
        await syncedSession();
        await dropAndWaitForFailure(); // well within the reconcile interval
      }
      const attempts = sessionFailures(since).slice(before).map((l) => l.attempt as number);
      expect(attempts).toEqual([attempts[0], attempts[0] + 1, attempts[0] + 2]);
      expect(attempts[0]).toBeLessThanOrEqual(2);
    });
  });
});
