// the app first: it loads the entities in an order their circular imports accept
import { startTestApp, TestApp } from '../support/test-app';
import { AnonymisationService } from '../../src/personal-data/anonymisation.service';
import { RetentionService } from '../../src/personal-data/retention.service';

/**
 * Shutdown during a retention run: the run stops after the citizen it is on (that one commits),
 * instead of keeping the shutdown waiting until every due citizen is anonymised.
 */
describe('retention run at shutdown', () => {
  let t: TestApp;

  beforeAll(async () => {
    // no background workers: the hourly timer stays off, the test starts the run
    t = await startTestApp({ RETENTION_DAYS: '30', BACKGROUND_WORKERS: 'false' });
  });
  afterAll(() => t.close());

  it('stops between citizens when the service is destroyed, and the shutdown waits only for the current one', async () => {
    const DUE = 120; // more than two batches
    await t.db.query(
      `INSERT INTO citizens (name, created_at) SELECT 'Ciudadano de prueba ' || i, now() - interval '400 days' FROM generate_series(1, $1) AS i`,
      [DUE],
    );
    const anonymisation = t.app.get(AnonymisationService);
    const anonymiseIn = anonymisation.anonymiseIn.bind(anonymisation);
    let started!: () => void;
    const firstStarted = new Promise<void>((r) => (started = r));
    // the first citizen is held until the shutdown has begun: the run is mid-citizen when it is asked to stop
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    let currentDone = false;
    jest.spyOn(anonymisation, 'anonymiseIn').mockImplementation(async (...args) => {
      calls += 1;
      started();
      await held;
      const out = await anonymiseIn(...args);
      currentDone = true;
      return out;
    });
    const retention = t.app.get(RetentionService);

    let settled = false;
    const run = retention.run().finally(() => (settled = true));
    // started as the hourly timer starts it (the timer itself waits a minute after boot)
    (retention as unknown as { running: Promise<unknown> }).running = run;
    await firstStarted;
    const destroyed = retention.onModuleDestroy(); // marks the shutdown at once, then waits
    release();
    await destroyed;

    expect(settled).toBe(true); // the shutdown waited for the run it stopped …
    expect(currentDone).toBe(true); // … and for the citizen it was on
    expect(calls).toBe(1); // no further citizen was started after the shutdown began
    const result = await run;
    expect(result).toEqual({ anonymised: 1, skipped: false });
    // what was done committed; the rest waits for the next run
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM citizens WHERE anonymised_at IS NOT NULL`);
    expect(n).toBe(result.anonymised);
  });
});
