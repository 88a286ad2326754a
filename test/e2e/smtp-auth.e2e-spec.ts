// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { citizenEmail, handDrivenSmtpEnv, OUTBOX_TEST_MAILBOX } from '../support/outbox-by-hand';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import type { RunningApp } from '../../src/bootstrap';
import { startAppOnDatabase } from '../support/app-on-database';
import { SmtpSink, waitFor } from '../support/smtp-sink';

jest.setTimeout(60_000);

const MAILBOX = OUTBOX_TEST_MAILBOX;
const SMTP_USER = 'enlace@sanluis.gob.mx';
const SMTP_PASSWORD = 'clave-SMTP-2026';

/**
 * SMTP_USER / SMTP_PASSWORD against a real SMTP server that requires a login (AUTH PLAIN or
 * LOGIN), on loopback without TLS. STARTTLS (required, refused, an untrusted certificate) is in
 * mail-require-tls.e2e-spec.ts.
 */
describe('outbound email through an SMTP server that requires a login', () => {

  const outboxOf = async (t: TestApp, to: string) =>
    (await t.db.query(`SELECT state, attempts, last_error FROM outbox WHERE recipient = $1`, [to]))[0] as
      | { state: string; attempts: number; last_error: string | null }
      | undefined;

  it.each([['PLAIN' as const], ['LOGIN' as const]])('logs in with AUTH %s and delivers', async (method) => {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD, methods: [method] } });
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD }));
    try {
      const to = `rosa.${method.toLowerCase()}@correo.mx`;
      await citizenEmail(t, to, 'auth');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      const [mail] = sink.deliveredTo(to);
      expect(mail).toBeDefined();
      expect(mail.authUser).toBe(SMTP_USER);
      expect(mail.mailFrom).toBe(MAILBOX);
      expect(sink.authAttempts).toEqual([{ method, username: SMTP_USER, accepted: true }]);
      expect(await outboxOf(t, to)).toEqual({ state: 'sent', attempts: 1, last_error: null });
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('sends with MAIL_RETURN_PATH as the envelope sender (where bounces go), the From header unchanged', async () => {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } });
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD, MAIL_RETURN_PATH: 'rebotes@sanluis.gob.mx' }));
    try {
      const to = 'rosa.rebotes@correo.mx';
      await citizenEmail(t, to, 'auth');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      const [mail] = sink.deliveredTo(to);
      expect(mail.mailFrom).toBe('rebotes@sanluis.gob.mx');
      expect(mail.parsed.from?.value[0]?.address).toBe(MAILBOX);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  /**
   * The login is wrong or missing: the mail stays queued through more rounds than
   * OUTBOX_MAX_ATTEMPTS (2) allows a failing mail — the link fails, not the mail — and goes out once
   * the login is corrected (a restart with the new configuration, on the same database).
   */
  async function queuedUntilLoginFixed(to: string, brokenLogin: Record<string, string>, code: RegExp, check?: (sink: SmtpSink) => void): Promise<void> {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } });
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, brokenLogin));
    let fixed: RunningApp | undefined;
    const due = () => waitFor('the row due again', async () => (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE recipient = $1 AND next_attempt_at <= now()`, [to]))[0].n === 1);
    try {
      await citizenEmail(t, to, 'auth');
      const worker = t.app.get(OutboxWorker);
      for (let i = 0; i < 3; i++) {
        await due();
        expect(await worker.runOnce()).toBe(1);
      }
      expect(sink.delivered).toEqual([]);
      check?.(sink);
      const row = await outboxOf(t, to);
      expect(row).toMatchObject({ state: 'queued', attempts: 3 });
      expect(row?.last_error).toMatch(code);

      fixed = await startAppOnDatabase(t.running.databaseUrl, handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD }));
      await due();
      expect(await fixed.app.get(OutboxWorker).runOnce()).toBe(1);
      expect(sink.deliveredTo(to).map((m) => m.authUser)).toEqual([SMTP_USER]);
      expect(await outboxOf(t, to)).toMatchObject({ state: 'sent', attempts: 4 });
    } finally {
      await fixed?.close();
      await t.close();
      await sink.close();
    }
  }

  it('no SMTP_USER for a server that requires a login (530): the mail stays queued, and goes out once the login is configured', () =>
    queuedUntilLoginFixed('rosa.sinlogin@correo.mx', {}, /530/));

  it('a wrong password keeps the mail queued (never failed), and it goes out once the password is right', () =>
    queuedUntilLoginFixed('rosa.clave@correo.mx', { SMTP_USER, SMTP_PASSWORD: 'clave-vieja' }, /535/, (sink) => {
      expect(sink.authAttempts.length).toBeGreaterThanOrEqual(3);
      expect(sink.authAttempts.every((a) => a.username === SMTP_USER && !a.accepted)).toBe(true);
    }));
});
