// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { citizenEmail, handDrivenSmtpEnv } from '../support/outbox-by-hand';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { SmtpSink, SmtpSinkAuth, unusedPort, waitFor } from '../support/smtp-sink';

jest.setTimeout(60_000);

const SMTP_USER = 'enlace@sanluis.gob.mx';
const SMTP_PASSWORD = 'clave-SMTP-2026';
const WRONG_PASSWORD = 'clave-vieja-2025';

interface OutboxHealth {
  status: string;
  smtp: string;
  queued: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastSentAt: string | null;
  links: Record<string, { lastError: string | null; lastErrorCode: string | null; lastErrorAt: string | null; lastSentAt: string | null }>;
}

/**
 * /health/ready tells the operator why mail is not leaving (SMTP login refused, DNS, connection
 * refused, a 421), not only that the queue grows; the next successful send clears it. Readiness
 * stays 200: mail waits in the outbox by design. No credential and no address in the answer.
 */
describe('/health/ready shows the outbox link failure and clears it on the next send', () => {

  const ready = async (t: TestApp) => {
    const res = await t.http().get('/health/ready').expect(200);
    return { outbox: res.body.details.outbox as OutboxHealth, text: res.text };
  };
  const due = (t: TestApp, to: string) =>
    waitFor('the row due again', async () => (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE recipient = $1 AND state = 'queued' AND next_attempt_at <= now()`, [to]))[0].n === 1);
  const noSecrets = (text: string, to: string) => {
    for (const s of [to, SMTP_USER, SMTP_PASSWORD, WRONG_PASSWORD, Buffer.from(WRONG_PASSWORD).toString('base64')])
      expect(text.toLowerCase()).not.toContain(s.toLowerCase());
  };

  it('a wrong SMTP_PASSWORD (535 EAUTH) shows in outbox.lastError until a send succeeds', async () => {
    // the sink's login is read at each AUTH: changing it later is "the operator fixed the password"
    const auth: SmtpSinkAuth = { user: SMTP_USER, password: SMTP_PASSWORD };
    const sink = await SmtpSink.start({ auth });
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD: WRONG_PASSWORD }));
    try {
      const to = 'rosa.clave@correo.mx';
      const before = await ready(t);
      expect(before.outbox).toMatchObject({ status: 'up', smtp: 'configured', lastError: null, lastErrorAt: null, lastSentAt: null });

      await citizenEmail(t, to, 'health');
      const worker = t.app.get(OutboxWorker);
      expect(await worker.runOnce()).toBe(1);
      expect(sink.delivered).toEqual([]);
      const failing = await ready(t);
      expect(failing.outbox).toMatchObject({ status: 'up', smtp: 'configured', queued: 1, lastSentAt: null });
      expect(failing.outbox.lastError).toMatch(/^email: /);
      expect(failing.outbox.lastError).toMatch(/535/);
      expect(failing.outbox.lastError).toMatch(/EAUTH/);
      expect(Date.now() - Date.parse(failing.outbox.lastErrorAt ?? '')).toBeLessThan(30_000);
      expect(failing.outbox.links.email).toMatchObject({ lastErrorCode: 'EAUTH 535', lastSentAt: null });
      noSecrets(failing.text, to);

      auth.password = WRONG_PASSWORD;
      await due(t, to);
      expect(await worker.runOnce()).toBe(1);
      expect(sink.deliveredTo(to)).toHaveLength(1);
      const fixed = await ready(t);
      expect(fixed.outbox).toMatchObject({ status: 'up', queued: 0, lastError: null, lastErrorAt: null });
      expect(Date.now() - Date.parse(fixed.outbox.lastSentAt ?? '')).toBeLessThan(30_000);
      expect(fixed.outbox.links.email).toEqual({ lastError: null, lastErrorCode: null, lastErrorAt: null, lastSentAt: fixed.outbox.lastSentAt });
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('a 421 naming the recipient shows without the address', async () => {
    const sink = await SmtpSink.start();
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port));
    try {
      const to = 'rosa.ocupado@correo.mx';
      sink.hooks.onRcpt = (address) => ({ code: 421, message: `4.7.0 <${address}> too many connections from +52 444 123 4567, try again later` });
      await citizenEmail(t, to, 'health');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      const { outbox, text } = await ready(t);
      expect(outbox.lastError).toMatch(/421 4\.7\.0 <\[address\]> too many connections from \[number\], try again later/);
      expect(text).not.toContain('123 4567');
      noSecrets(text, to);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it.each([
    ['connection refused', async () => ['127.0.0.1', await unusedPort()] as const, /ECONNREFUSED|ECONNECTION|ESOCKET/],
    ['an unknown host (DNS)', async () => ['smtp.enlace-ciudadano.invalid', 587] as const, /ENOTFOUND|EDNS|EAI_AGAIN|ETIMEDOUT/],
  ])('%s shows in outbox.lastError', async (_what, server, code) => {
    const [host, port] = await server();
    const t = await startTestApp(handDrivenSmtpEnv(host, port));
    try {
      const to = 'rosa.red@correo.mx';
      await citizenEmail(t, to, 'health');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      const { outbox, text } = await ready(t);
      expect(outbox).toMatchObject({ status: 'up', smtp: 'configured', queued: 1, lastSentAt: null });
      expect(outbox.lastError).toMatch(code);
      expect(outbox.links.email.lastErrorCode).toMatch(code);
      expect(outbox.lastErrorAt).not.toBeNull();
      noSecrets(text, to);
    } finally {
      await t.close();
    }
  });
});
