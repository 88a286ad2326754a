// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import type { RunningApp } from '../../src/bootstrap';
import { startAppOnDatabase } from '../support/app-on-database';
import { META_APP_SECRET, messengerDelivery, signed } from '../support/social-payloads';

/**
 * BACKGROUND_WORKERS=false (a web-only instance): it answers the webhooks and stores every delivery
 * durably, but processes none — no social-event worker, no outbox worker, no mailbox reader, no
 * scheduled jobs. A second instance with workers on, on the same database, processes them all,
 * each exactly once.
 */
describe('a web-only instance (BACKGROUND_WORKERS=false) and a worker instance on one database', () => {
  let web: TestApp;
  let worker: RunningApp | undefined;
  const env = { META_APP_SECRET, WEBHOOK_RATE_LIMIT: '100000' };

  beforeAll(async () => {
    web = await startTestApp({
      ...env,
      BACKGROUND_WORKERS: 'false',
      // a mailbox that does not exist: a web-only instance never connects to it
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: '1',
      IMAP_USER: 'nadie',
      IMAP_PASSWORD: 'nada',
    });
  });
  afterAll(async () => {
    await worker?.close();
    await web?.close();
  });

  const count = async (sql: string) => (await web.db.query<Array<{ n: number }>>(sql))[0].n;

  it('the web-only instance reports its workers as off', async () => {
    const ready = await web.http().get('/health/ready').expect(200);
    expect(ready.body.details.socialEvents).toMatchObject({ status: 'up', worker: 'disabled on this instance' });
    expect(ready.body.details.outbox).toMatchObject({ worker: 'disabled on this instance' });
    expect(ready.body.details.mailbox).toMatchObject({ status: 'up', enabled: false, role: 'off', connection: 'disconnected' });
    expect(ready.body.details.slaJobs).toMatchObject({ scheduled: false });
  });

  it('stores every delivery (200) and processes none; the worker instance then processes each exactly once', async () => {
    // 20 people, two messages each → 20 tickets, 40 messages; plus 5 byte-identical redeliveries
    const unique = Array.from({ length: 40 }, (_, i) => signed(messengerDelivery(`PSID-WEB-${i % 20}`, `Bache en la calle ${i}`, { mid: `m_web_${i}`, timestamp: Date.now() + i })));
    const all = [...unique, ...unique.slice(0, 5)];
    const statuses = await Promise.all(
      all.map((s) =>
        web
          .http()
          .post('/api/v1/webhooks/meta')
          .set('Content-Type', 'application/json')
          .set('X-Hub-Signature-256', s.signature)
          .send(s.raw)
          .then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM social_events`)).toBe(40);

    // longer than the worker's poll interval (2 s): nothing is claimed on this instance
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await count(`SELECT count(*)::int AS n FROM social_events WHERE status = 'pending' AND attempts = 0 AND locked_until IS NULL`)).toBe(40);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id LIKE 'm_web_%'`)).toBe(0);

    // a second instance with workers on: its own poll loop picks the stored deliveries up (no test kick)
    worker = await startAppOnDatabase(web.running.databaseUrl, env);
    const until = Date.now() + 60_000;
    while ((await count(`SELECT count(*)::int AS n FROM social_events WHERE status <> 'done'`)) > 0) {
      if (Date.now() > until) throw new Error('the worker instance did not process the stored deliveries in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await count(`SELECT count(*)::int AS n FROM social_events WHERE status = 'done' AND attempts = 1`)).toBe(40);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id LIKE 'm_web_%'`)).toBe(40);
    expect(await count(`SELECT count(DISTINCT external_id)::int AS n FROM messages WHERE external_id LIKE 'm_web_%'`)).toBe(40);
    expect(await count(`SELECT count(DISTINCT ticket_id)::int AS n FROM messages WHERE external_id LIKE 'm_web_%'`)).toBe(20);
  }, 90_000);

  it('deliveries received by the web-only instance while the worker instance runs are processed too', async () => {
    // the worker instance of the test above, or (run alone) one of its own
    worker ??= await startAppOnDatabase(web.running.databaseUrl, env);
    const s = signed(messengerDelivery('PSID-WEB-LATE', 'Luminaria apagada', { mid: 'm_web_late' }));
    await web.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
    // its row, not the message: the message commits before the row is marked done
    const late = `FROM social_events WHERE convert_from(body, 'UTF8') LIKE '%m_web_late%'`;
    const until = Date.now() + 20_000;
    while ((await count(`SELECT count(*)::int AS n ${late} AND status <> 'pending'`)) === 0) {
      if (Date.now() > until) throw new Error('not processed in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    // this delivery: stored once, processed once, one message
    const rows = await web.db.query(`SELECT status, attempts ${late}`);
    expect(rows).toEqual([{ status: 'done', attempts: 1 }]);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id = 'm_web_late'`)).toBe(1);
  }, 30_000);
});
