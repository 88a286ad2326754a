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
    jest.spyOn(anonymisation, 'anonymiseIn').mockImplementation(async (...args) => {
      started();
      await new Promise((r) => setTimeout(r, 50)); // a slow citizen: the whole run takes seconds
      return anonymiseIn(...args);
    });
    const retention = t.app.get(RetentionService);

    let settled = false;
    const run = retention.run().finally(() => (settled = true));
    // started as the hourly timer starts it (the timer itself waits a minute after boot)
    (retention as unknown as { running: Promise<unknown> }).running = run;
    await firstStarted;
    const stopAt = Date.now();
    await retention.onModuleDestroy();
    const waited = Date.now() - stopAt;

    expect(settled).toBe(true); // the shutdown waited for the run it stopped
    expect(waited).toBeLessThan(1_000);
    const result = await run;
    expect(result.skipped).toBe(false);
    expect(result.anonymised).toBeGreaterThanOrEqual(1);
    expect(result.anonymised).toBeLessThan(5);
    // what was done committed; the rest waits for the next run
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM citizens WHERE anonymised_at IS NOT NULL`);
    expect(n).toBe(result.anonymised);
  });
});
