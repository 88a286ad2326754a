// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import type { RunningApp } from '../../src/bootstrap';
import { startAppOnDatabase } from '../support/app-on-database';
import { AppProcess, startAppProcess } from '../support/app-process-control';
import { SmtpSink, unusedPort, waitFor } from '../support/smtp-sink';

jest.setTimeout(120_000);

const MAIL_FROM = 'Atención Ciudadana <atencionciudadana@sanluis.gob.mx>';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const smtpEnv = (port: number) => ({
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(port),
  MAIL_FROM,
  SMTP_TIMEOUT_MS: '5000',
});
const fast = { OUTBOX_POLL_MS: '50', OUTBOX_RETRY_BASE_MS: '100', OUTBOX_RETRY_MAX_MS: '500' };

/** `n` new email reports from `n` different citizens: each one queues an acknowledgement. */
async function produce(intake: IntakeService, n: number, tag: string): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await intake.receive({
        channel: 'email',
        externalId: `<${tag}.${i}@correo.mx>`,
        sender: {
          name: `Ciudadana ${i}`,
          identities: [{ kind: 'email', value: `${tag}.${i}@correo.mx` }],
        },
        subject: `Reporte ${i}: bache en la calle`,
        text: 'Hay un bache.',
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

async function outboxIds(db: TestApp['db']): Promise<{ all: string[]; sent: number }> {
  const rows: Array<{ external_id: string; state: string }> = await db.query(
    `SELECT external_id, state FROM outbox WHERE channel = 'email'`,
  );
  return {
    all: rows.map((r) => r.external_id).sort(),
    sent: rows.filter((r) => r.state === 'sent').length,
  };
}

/** What the sink got vs what the outbox holds: every row delivered, and how often. */
function tally(sink: SmtpSink, expectedIds: string[]) {
  const counts = sink.countsByMessageId();
  const duplicates = [...counts.entries()].filter(([, n]) => n > 1);
  return {
    delivered: sink.delivered.length,
    unique: counts.size,
    missing: expectedIds.filter((id) => !counts.has(id)),
    unexpected: [...counts.keys()].filter((id) => !expectedIds.includes(id)),
    duplicates,
  };
}

/**
 * Stops an instance's outbox worker the way shutdown does: no new round starts, and it returns
 * once the sends in flight have finished. After it, nothing more from that worker can reach the
 * sink, so what the sink holds is final (no waiting "long enough" for a stray send).
 */
async function stopWorker(app: RunningApp['app']): Promise<void> {
  await app.get(OutboxWorker).onModuleDestroy();
}

describe('outbox delivery guarantees (real SMTP server on loopback)', () => {
  it('keeps 200 notifications while SMTP refuses connections, then delivers each exactly once', async () => {
    const port = await unusedPort();
    // retries every 0.2–1.5 s while down: enough to prove nothing is dropped, without flooding the database
    const t = await startTestApp({
      ...smtpEnv(port),
      ...fast,
      OUTBOX_RETRY_BASE_MS: '200',
      OUTBOX_RETRY_MAX_MS: '1500',
      OUTBOX_BATCH_SIZE: '50',
    });
    let sink: SmtpSink | undefined;
    try {
      await produce(t.app.get(IntakeService), 200, 'caida');
      // every row was tried against the dead server and is waiting for the next attempt
      await waitFor('200 rows tried while SMTP is down', async () => {
        const [r] = await t.db.query(
          `SELECT count(*)::int AS n FROM outbox WHERE state = 'queued' AND attempts >= 1 AND last_error IS NOT NULL`,
        );
        return r.n === 200;
      });
      const [thread] = await t.db.query(
        `SELECT delivery_state, delivery_attempts, delivery_error FROM messages WHERE direction = 'outbound' LIMIT 1`,
      );
      expect(thread.delivery_state).toBe('queued');
      expect(thread.delivery_attempts).toBeGreaterThanOrEqual(1);
      expect(thread.delivery_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION|connect/i);
      const [{ n: failed }] = await t.db.query(
        `SELECT count(*)::int AS n FROM outbox WHERE state = 'failed'`,
      );
      expect(failed).toBe(0);

      sink = await SmtpSink.start({ port });
      await waitFor('200 mails at the sink', () => sink!.delivered.length >= 200, 60000);
      await waitFor(
        '200 rows marked sent',
        async () => (await outboxIds(t.db)).sent === 200,
        30000,
      );
      await stopWorker(t.app); // a stray second send in flight has landed by now
      const ids = (await outboxIds(t.db)).all;
      const r = tally(sink, ids);
      expect({
        delivered: r.delivered,
        unique: r.unique,
        missing: r.missing,
        unexpected: r.unexpected,
        duplicates: r.duplicates,
      }).toEqual({
        delivered: 200,
        unique: 200,
        missing: [],
        unexpected: [],
        duplicates: [],
      });
      const [{ max }] = await t.db.query(`SELECT max(attempts)::int AS max FROM outbox`);
      console.log(
        `[outbox] SMTP down then up: 200 queued, 200 delivered, 0 duplicates; up to ${max} attempts per row`,
      );
    } finally {
      await t.close();
      await sink?.close();
    }
  });

  it('two app instances on one database send every notification once', async () => {
    const sink = await SmtpSink.start();
    const env = {
      ...smtpEnv(sink.port),
      OUTBOX_POLL_MS: '20',
      OUTBOX_BATCH_SIZE: '5',
      OUTBOX_CONCURRENCY: '3',
    };
    const a = await startTestApp(env);
    let b: RunningApp | undefined;
    try {
      b = await startAppOnDatabase(a.running.databaseUrl, env);
      await Promise.all([
        produce(a.app.get(IntakeService), 60, 'instancia-a'),
        produce(b.app.get(IntakeService), 60, 'instancia-b'),
      ]);
      await waitFor('120 mails at the sink', () => sink.delivered.length >= 120, 60000);
      await waitFor(
        '120 rows marked sent',
        async () => (await outboxIds(a.db)).sent === 120,
        30000,
      );
      // both workers stopped: any stray second send in flight has landed
      await Promise.all([stopWorker(a.app), stopWorker(b.app)]);
      const r = tally(sink, (await outboxIds(a.db)).all);
      expect({
        delivered: r.delivered,
        unique: r.unique,
        missing: r.missing,
        duplicates: r.duplicates,
      }).toEqual({ delivered: 120, unique: 120, missing: [], duplicates: [] });
      const sentBy = async (app: RunningApp['app']) => {
        const metric = await app
          .get(MetricsService)
          .registry.getSingleMetric('enlace_outbox_attempts_total')!
          .get();
        return metric.values
          .filter((v) => v.labels.outcome === 'sent')
          .reduce((n, v) => n + v.value, 0);
      };
      const [sentA, sentB] = [await sentBy(a.app), await sentBy(b.app)];
      expect(sentA + sentB).toBe(120);
      console.log(
        `[outbox] two instances: 120 delivered once each; instance A sent ${sentA}, instance B sent ${sentB}`,
      );
    } finally {
      await b?.close();
      await a.close();
      await sink.close();
    }
  });

  it('without SMTP configured keeps mails queued and visible, and sends them once SMTP is configured', async () => {
    const t = await startTestApp({ ...fast });
    let sink: SmtpSink | undefined;
    let b: RunningApp | undefined;
    try {
      await produce(t.app.get(IntakeService), 3, 'sin-smtp');
      // rounds of the worker (besides its own polling) take nothing: no transport for email without SMTP
      const worker = t.app.get(OutboxWorker);
      for (let i = 0; i < 3; i++) expect(await worker.runOnce()).toBe(0);
      const rows = await t.db.query(`SELECT state, attempts FROM outbox`);
      expect(rows).toEqual([
        { state: 'queued', attempts: 0 },
        { state: 'queued', attempts: 0 },
        { state: 'queued', attempts: 0 },
      ]);
      const agent = (await t.user('agent')).auth;
      const [{ folio }] = await t.db.query(`SELECT folio FROM tickets ORDER BY id LIMIT 1`);
      const thread = (await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200)).body
        .thread;
      expect(
        thread.find((m: { direction: string }) => m.direction === 'outbound').delivery,
      ).toEqual({ state: 'queued', attempts: 0, lastError: null });
      const ready = (await t.http().get('/health/ready').expect(200)).body;
      expect(ready.details.outbox).toMatchObject({
        status: 'up',
        smtp: 'not configured (emails stay queued)',
        queued: 3,
        failed: 0,
      });
      expect(ready.details.outbox.oldestQueuedSeconds).toBeGreaterThanOrEqual(0);
      const metrics = (await t.http().get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/enlace_outbox_queued\{channel="email"\} 3/);

      // the same database, now with SMTP (as after setting SMTP_HOST and restarting)
      sink = await SmtpSink.start();
      b = await startAppOnDatabase(t.running.databaseUrl, { ...smtpEnv(sink.port), ...fast });
      await waitFor('3 mails at the sink', () => sink!.delivered.length >= 3);
      await waitFor('3 rows sent', async () => (await outboxIds(t.db)).sent === 3);
      expect(tally(sink, (await outboxIds(t.db)).all)).toMatchObject({
        delivered: 3,
        unique: 3,
        missing: [],
        duplicates: [],
      });
    } finally {
      await b?.close();
      await t.close();
      await sink?.close();
    }
  });

  it('a worker SIGKILLed mid-batch: on restart every mail is delivered; duplicates carry the same Message-ID', async () => {
    const N = 60;
    const KILL_AT = 25;
    const sink = await SmtpSink.start();
    const t = await startTestApp({ OUTBOX_WORKER: 'false' }); // this instance only produces
    const childEnv = {
      ...smtpEnv(sink.port),
      ...fast,
      OUTBOX_BATCH_SIZE: '10',
      OUTBOX_CONCURRENCY: '3',
      // a short lease: the restart takes up the dead worker's rows soon; half of it (2.5 s) still
      // outlasts the SMTP socket timeout (2 × 1 s), as the configuration requires
      OUTBOX_LEASE_SECONDS: '5',
      SMTP_TIMEOUT_MS: '1000',
    };
    let first: AppProcess | undefined;
    let restarted: RunningApp | undefined;
    try {
      await produce(t.app.get(IntakeService), N, 'choque');
      let killed = false;
      let arrivals = 0;
      sink.hooks.onMessage = async () => {
        // the KILL_AT-th mail is fully received; the worker dies before it hears our 250
        if (++arrivals === KILL_AT) {
          killed = true;
          await first!.kill();
          return undefined;
        }
        await sleep(15); // keep a few sends in flight at once
        return undefined;
      };
      first = await startAppProcess(t.running.databaseUrl, childEnv);
      await waitFor(
        'the worker killed mid-batch',
        () => killed && first!.child.signalCode === 'SIGKILL',
        60000,
      );
      const before = sink.delivered.length;
      const [{ n: stranded }] = await t.db.query(
        `SELECT count(*)::int AS n FROM outbox WHERE state = 'queued' AND locked_until > now()`,
      );
      const [{ n: sentBefore }] = await t.db.query(
        `SELECT count(*)::int AS n FROM outbox WHERE state = 'sent'`,
      );
      expect(stranded).toBeGreaterThanOrEqual(1); // claimed by the dead worker, lease still running

      // the restart: a new instance on the same database (in this process, to keep the test short)
      restarted = await startAppOnDatabase(t.running.databaseUrl, childEnv);
      await waitFor(
        `${N} distinct mails at the sink`,
        () => sink.countsByMessageId().size >= N,
        60000,
      );
      await waitFor(`${N} rows marked sent`, async () => (await outboxIds(t.db)).sent === N, 30000);
      await stopWorker(restarted.app); // a stray send in flight has landed by now

      const ids = (await outboxIds(t.db)).all;
      const r = tally(sink, ids);
      expect(r.unique).toBe(N);
      expect(r.missing).toEqual([]);
      expect(r.unexpected).toEqual([]);
      // the mail whose 250 the dead worker never heard went out again, with the same Message-ID
      expect(r.duplicates.length).toBeGreaterThanOrEqual(1);
      expect(r.duplicates.length).toBeLessThanOrEqual(3); // at most the sends in flight (OUTBOX_CONCURRENCY)
      for (const [id, n] of r.duplicates) {
        expect(n).toBe(2);
        const copies = sink.delivered.filter((m) => m.messageId === id);
        expect(
          new Set(copies.map((m) => `${m.to.join()}|${m.parsed.subject}|${m.parsed.text}`)).size,
        ).toBe(1);
      }
      expect(r.delivered).toBe(N + r.duplicates.length);
      console.log(
        `[outbox] worker SIGKILLed after ${before} accepted mails (${sentBefore} recorded as sent, ${stranded} rows stranded under its lease); ` +
          `after restart: ${r.unique}/${N} delivered, ${r.delivered - r.unique} duplicate(s), same Message-ID each: ${r.duplicates.map(([id]) => id).join(', ')}`,
      );
    } finally {
      await first?.kill();
      await restarted?.close();
      await t.close();
      await sink.close();
    }
  });
});
