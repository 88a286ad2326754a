import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import { createApp, RunningApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { buildMail, imapEnv, newMailboxUser, TestMailbox } from '../support/imap-test';
import { SmtpSink } from '../support/smtp-sink';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require('../support/postgres-server.js') as {
  pgBinDir(): string | null;
  installPostgres(): boolean;
  startCluster(bin: string, dir: string, port: number): Promise<string>;
  stopCluster(bin: string, dir: string): void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free on 127.0.0.1 right now (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** startCluster, again on EADDRINUSE (another process took the port in between) up to `tries` times. */
async function startClusterRetrying(start: () => Promise<string>, tries: number, pause = 0): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= tries) throw err;
      await sleep(pause);
    }
  }
}

/**
 * Fault test (issue 8): PostgreSQL stopped for 10 s under load and started again. This test starts
 * its own throw-away cluster so it can stop it without touching anyone else's server.
 */
describe('database restart under load', () => {
  const dir = join(tmpdir(), `enlace-pgrestart-${process.pid}`);
  let port = 0;
  let bin: string;
  let running: RunningApp;
  let server: Server;
  let sink: SmtpSink;
  let mailbox: TestMailbox;

  beforeAll(async () => {
    bin = pg.pgBinDir() ?? (pg.installPostgres() ? pg.pgBinDir() : null) ?? '';
    if (!bin) throw new Error('PostgreSQL server binaries are needed for this test (Debian: apt-get install postgresql)');
    // a port the kernel just found free; startCluster refuses one anything else answers on
    const adminUrl = await startClusterRetrying(async () => pg.startCluster(bin, dir, (port = await freePort())), 5);
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    await c.query('CREATE DATABASE enlace');
    await c.end();
    sink = await SmtpSink.start();
    const mailUser = newMailboxUser();
    mailbox = new TestMailbox(mailUser);
    running = await createApp(
      loadAppConfig({
        // the mailbox reader and the outbox worker run too: both must resume by themselves
        ...imapEnv(mailUser, { MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>' }),
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
        OUTBOX_POLL_MS: '100',
        OUTBOX_RETRY_BASE_MS: '200',
        OUTBOX_RETRY_MAX_MS: '2000',
        DATABASE_URL: adminUrl.replace(/\/postgres$/, '/enlace'),
        JWT_SECRET: 'restart-test-secret-0123456789-abcdefghij',
        ADMIN_EMAIL: 'admin@reinicio.mx',
        ADMIN_PASSWORD: 'Reinicio-2026',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      }),
    );
    await running.app.listen(0, '127.0.0.1');
    server = running.app.getHttpServer();
  }, 120_000);

  afterAll(async () => {
    await mailbox?.close();
    await running?.close().catch(() => undefined);
    await sink?.close();
    try {
      pg.stopCluster(bin, dir);
    } catch {
      /* already stopped */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down, recovers within 10 s, and loses no acknowledged write, mail or outbound message', async () => {
    const login = await request(server).post('/api/v1/auth/login').send({ email: 'admin@reinicio.mx', password: 'Reinicio-2026' }).expect(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken}` };

    const results: Array<{ kind: string; status: number; ms: number; folio?: string; message?: string }> = [];
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        n += 1;
        const started = Date.now();
        const [create, list] = await Promise.all([
          request(server)
            .post('/api/v1/tickets')
            .set(auth)
            .timeout(30_000)
            .send({ subject: `Reporte bajo carga ${n}`, description: 'Bache frente a la escuela', channel: 'phone' })
            .then((r) => r, () => ({ status: 0, body: {} })),
          request(server).get('/api/v1/tickets?limit=5').set(auth).timeout(30_000).then((r) => r, () => ({ status: 0, body: {} })),
        ]);
        const ms = Date.now() - started;
        results.push({ kind: 'create', status: create.status, ms, folio: create.body?.folio, message: create.body?.message });
        results.push({ kind: 'list', status: list.status, ms, message: (list.body as { message?: string })?.message });
        await sleep(100);
      }
    })();

    const mail = (i: number) =>
      buildMail({ from: `Vecino ${i} <vecino${i}@correo.example.mx>`, subject: `Reporte por correo ${i}`, text: `Fuga de agua número ${i}` });
    for (let i = 1; i <= 5; i++) await mailbox.append(mail(i));
    await sleep(2000);
    pg.stopCluster(bin, dir);
    for (let i = 6; i <= 10; i++) await mailbox.append(mail(i));
    const downAt = Date.now();
    const readyDuringOutage: number[] = [];
    while (Date.now() - downAt < 10_000) {
      readyDuringOutage.push((await request(server).get('/health/ready').timeout(15_000)).status);
      await sleep(1000);
    }
    // the same port (the app's DATABASE_URL names it); should something grab it meanwhile, a few
    // short retries, then the test fails rather than use another server
    await startClusterRetrying(() => pg.startCluster(bin, dir, port), 5, 200);
    // the requirement (issue 8): /health/ready turns 200 within 10 s of the database accepting
    // connections again (pg_ctl -w returns then). Polled: the first 200 must come inside the window.
    const upAt = Date.now();
    const readyAfterRestart: number[] = [];
    let recoveredAfter: number | null = null;
    while (recoveredAfter === null && Date.now() - upAt < 10_000) {
      const left = 10_000 - (Date.now() - upAt);
      const status = await request(server)
        .get('/health/ready')
        .timeout(Math.max(left, 1))
        .then((r) => r.status, () => 0);
      readyAfterRestart.push(status);
      if (status === 200 && Date.now() - upAt <= 10_000) recoveredAfter = Date.now() - upAt;
      else await sleep(250);
    }
    await sleep(2000);
    stop = true;
    await load;

    expect(readyDuringOutage.length).toBeGreaterThan(3);
    expect(readyDuringOutage.every((s) => s === 503)).toBe(true);
    expect({ readyWithin10s: recoveredAfter !== null, statuses: readyAfterRestart }).toMatchObject({ readyWithin10s: true });
    console.log(`[db-restart] /health/ready answered 200 ${recoveredAfter} ms after the database came back`);

    // no request hung (each would have ended as status 0 at its 30 s timeout), and failures during
    // the outage were clean 503s
    expect(results.filter((r) => r.status === 0)).toEqual([]);
    const failed = results.filter((r) => r.status >= 500);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.filter((r) => r.status !== 503)).toEqual([]);
    // the service works again after the restart
    const after = results.slice(-4);
    expect(after.every((r) => r.status === 200 || r.status === 201)).toBe(true);

    // the mailbox reader and the outbox resumed by themselves: every mail is exactly one ticket and
    // every sender got an acknowledgement (at least once; a duplicate would carry the same Message-ID)
    const deadline = Date.now() + 60_000;
    const senders = Array.from({ length: 10 }, (_, i) => `vecino${i + 1}@correo.example.mx`);
    while (Date.now() < deadline && senders.some((a) => sink.deliveredTo(a).length === 0)) await sleep(250);
    expect(senders.filter((a) => sink.deliveredTo(a).length === 0)).toEqual([]);
    for (const a of senders) expect(new Set(sink.deliveredTo(a).map((m) => m.messageId)).size).toBe(1);
    expect(await mailbox.folders()).toEqual({ inbox: 0, processed: 10, failed: 0 });

    // every acknowledged ticket is stored; nothing stored that was never attempted
    const acknowledged = results.filter((r) => r.kind === 'create' && r.status === 201).map((r) => r.folio!);
    const db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
    try {
      const rows = await db.query(`SELECT folio FROM tickets WHERE channel <> 'email'`);
      const stored = new Set(rows.rows.map((r: { folio: string }) => r.folio));
      expect(acknowledged.filter((f) => !stored.has(f))).toEqual([]);
      expect(stored.size).toBeLessThanOrEqual(n);
      const email = await db.query(`SELECT count(*)::int AS n, count(DISTINCT m.external_id)::int AS ids FROM tickets t JOIN messages m ON m.ticket_id = t.id AND m.direction = 'inbound' WHERE t.channel = 'email'`);
      expect(email.rows[0]).toEqual({ n: 10, ids: 10 });
    } finally {
      await db.end();
    }
  }, 120_000);
});
