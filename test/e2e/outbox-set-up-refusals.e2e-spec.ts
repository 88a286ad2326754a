// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp } from '../support/test-app';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { citizenEmail, handDrivenSmtpEnv } from '../support/outbox-by-hand';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { SmtpSink, waitFor } from '../support/smtp-sink';

jest.setTimeout(90_000);

/**
 * How the outbox reads SMTP refusals that are about our set-up rather than one mail, and answers
 * that come too late: a citizen's mail is neither thrown away for the operator's mistake nor sent
 * again and again to a server that did take it.
 */
describe('outbox: refusals of our set-up and late answers (real SMTP server on loopback)', () => {
  it('keeps every mail queued when the server refuses our sender (553 at MAIL FROM), and /health/ready says why', async () => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onMailFrom(_address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
        callback(Object.assign(new Error('5.7.1 Sender address rejected: not owned by user'), { responseCode: 553 }));
      },
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)));
    const t = await startTestApp(handDrivenSmtpEnv('127.0.0.1', port));
    try {
      for (let i = 0; i < 3; i++) await citizenEmail(t, `vecino${i}.remitente@correo.mx`, `sender-refused-${i}`);
      const worker = t.app.get(OutboxWorker);
      // more rounds than OUTBOX_MAX_ATTEMPTS (2) allows a failing mail
      for (let round = 0; round < 3; round++) {
        await waitFor('the rows due again', async () => (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE next_attempt_at <= now()`))[0].n === 3);
        expect(await worker.runOnce()).toBe(3);
      }
      const rows: Array<{ state: string; last_error: string }> = await t.db.query(`SELECT state, last_error FROM outbox ORDER BY id`);
      expect(rows.map((r) => r.state)).toEqual(['queued', 'queued', 'queued']);
      expect(rows[0].last_error).toMatch(/553/);
      const ready = (await t.http().get('/health/ready')).body.details.outbox;
      expect(ready.failed).toBe(0);
      expect(ready.lastError).toMatch(/553/);
      expect(ready.lastError).toMatch(/Sender address rejected/);
    } finally {
      await t.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('counts a send whose 250 came after the timeout as an attempt: at most OUTBOX_MAX_ATTEMPTS copies, then failed', async () => {
    // the server takes the whole message and answers after the client's socket timeout (2 × 1 s)
    const sink = await SmtpSink.start({ hooks: { onMessage: async () => new Promise((resolve) => setTimeout(() => resolve(undefined), 3_000)) } });
    const t = await startTestApp({ ...handDrivenSmtpEnv('127.0.0.1', sink.port), SMTP_TIMEOUT_MS: '1000', OUTBOX_LEASE_SECONDS: '10' });
    const to = 'rosa.lenta@correo.mx';
    try {
      await citizenEmail(t, to, 'late-answer');
      const worker = t.app.get(OutboxWorker);
      for (let round = 0; round < 4; round++) {
        const [row] = await t.db.query(`SELECT state FROM outbox WHERE recipient = $1`, [to]);
        if (row.state !== 'queued') break;
        await waitFor('the row due again', async () => (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE recipient = $1 AND next_attempt_at <= now()`, [to]))[0].n === 1);
        await worker.runOnce();
      }
      const [row] = await t.db.query(`SELECT state, attempts, last_error FROM outbox WHERE recipient = $1`, [to]);
      expect(row).toMatchObject({ state: 'failed', attempts: 2 });
      expect(row.last_error).toMatch(/Timeout/);
      await waitFor('the server to take the copies in flight', () => sink.received.length >= 2, 10_000);
      await new Promise((r) => setTimeout(r, 3_500));
      expect(sink.deliveredTo(to).length).toBe(2);
    } finally {
      await t.close();
      await sink.close();
    }
  });
});
