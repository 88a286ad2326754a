// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, type TestApp } from '../support/test-app';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { citizenEmail, handDrivenSmtpEnv } from '../support/outbox-by-hand';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { startAppProcess, type AppProcess } from '../support/app-process-control';
import { SmtpSink, waitFor } from '../support/smtp-sink';
import { imapEnv, newMailboxUser, TestMailbox, buildMail, uniqueMessageId, waitFor as waitUntil } from '../support/imap-test';

jest.setTimeout(90_000);

const SMTP_USER = 'enlace@sanluis.gob.mx';
const SMTP_PASSWORD = 'clave-SMTP-2026';
const TLS_DIR = join(__dirname, '..', 'fixtures', 'tls');
const serverTls = () => ({ key: readFileSync(join(TLS_DIR, 'server.key')), cert: readFileSync(join(TLS_DIR, 'server.pem')) });

const outboxOf = async (t: TestApp, to: string) =>
  (await t.db.query(`SELECT state, last_error FROM outbox WHERE recipient = $1`, [to]))[0] as { state: string; last_error: string | null } | undefined;

/**
 * SMTP_REQUIRE_TLS / IMAP_REQUIRE_TLS: a login goes out only inside TLS. Without it, a server that
 * does not offer STARTTLS — or someone on the path who strips the offer from the cleartext
 * greeting — got the password in clear (nodemailer and imapflow carry on without TLS then).
 */
describe('STARTTLS required before a mail login (real SMTP server, real Dovecot)', () => {
  it('sends no SMTP login and no mail when the server does not offer STARTTLS, and says why', async () => {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD } }); // no STARTTLS offered
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD, SMTP_REQUIRE_TLS: 'true' }));
    try {
      const to = 'rosa.sin.tls@correo.mx';
      await citizenEmail(t, to, 'require-tls');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      expect(sink.authAttempts).toEqual([]);
      expect(sink.received).toEqual([]);
      // the link failed, not the mail: it waits for the server (or the setting) to be fixed
      expect(await outboxOf(t, to)).toEqual({ state: 'queued', last_error: expect.stringMatching(/STARTTLS/) });
      const ready = await t.http().get('/health/ready');
      expect(JSON.stringify(ready.body)).not.toContain(SMTP_PASSWORD);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('refuses a server certificate nobody trusts (verification stays on)', async () => {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD }, tls: serverTls() });
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD, SMTP_REQUIRE_TLS: 'true' }));
    try {
      const to = 'rosa.ca.desconocida@correo.mx';
      await citizenEmail(t, to, 'require-tls');
      expect(await t.app.get(OutboxWorker).runOnce()).toBe(1);
      expect(sink.authAttempts).toEqual([]);
      expect(sink.received).toEqual([]);
      expect(await outboxOf(t, to)).toEqual({ state: 'queued', last_error: expect.stringMatching(/certificate|TLS/i) });
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('logs in and delivers over STARTTLS with the municipality\'s CA trusted through NODE_EXTRA_CA_CERTS', async () => {
    const sink = await SmtpSink.start({ auth: { user: SMTP_USER, password: SMTP_PASSWORD }, tls: serverTls() });
    // this process queues the acknowledgement; a child process (started with the CA) sends it
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', sink.port));
    let child: AppProcess | undefined;
    try {
      const to = 'rosa.con.tls@correo.mx';
      await citizenEmail(t, to, 'require-tls');
      child = await startAppProcess(t.running.databaseUrl, {
        ...handDrivenSmtpEnv('127.0.0.1', sink.port, { SMTP_USER, SMTP_PASSWORD, SMTP_REQUIRE_TLS: 'true' }),
        OUTBOX_WORKER: 'true',
        OUTBOX_POLL_MS: '100',
        NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.pem'),
      });
      const [mail] = await waitFor('the acknowledgement at the sink', () => (sink.deliveredTo(to).length ? sink.deliveredTo(to) : null), 30_000);
      expect(mail.tls).toBe(true);
      expect(mail.authUser).toBe(SMTP_USER);
      expect(sink.authAttempts).toEqual([{ method: expect.any(String), username: SMTP_USER, accepted: true }]);
      await waitFor('the row marked sent', async () => (await outboxOf(t, to))?.state === 'sent');
    } finally {
      await child?.kill();
      await t.close();
      await sink.close();
    }
  });

  it('does not log in to a mailbox whose server offers no STARTTLS, and says why in /health/ready', async () => {
    // the test Dovecot runs without TLS: the situation a stripped STARTTLS offer creates
    const user = newMailboxUser();
    const mailbox = new TestMailbox(user);
    const t = await startTestApp(imapEnv(user, { IMAP_REQUIRE_TLS: 'true' }));
    try {
      await mailbox.append(buildMail({ messageId: uniqueMessageId(), from: 'vecina@correo.mx', subject: 'Bache en Himno Nacional', text: 'Hay un bache enorme.' }));
      const lastError = await waitUntil(async () => {
        const ready = await t.http().get('/health/ready');
        return (ready.body.details.mailbox as { lastError: string | null }).lastError;
      }, 'the reader to fail');
      expect(lastError).toMatch(/STARTTLS/);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM intake_log`);
      expect(n).toBe(0);
      expect(await mailbox.count('INBOX')).toBe(1);
    } finally {
      await t.close();
      await mailbox.close();
    }
  });
});
