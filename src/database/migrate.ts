import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source';

const MIGRATION_LOCK_KEY = 7_216_335_001;
const LOCK_POLL_MS = 200;

/**
 * Applies pending migrations. Several instances starting at once take turns on an advisory lock
 * (skipped on the embedded database, which has one instance and one session).
 */
export async function runMigrations(url: string, opts: { lock: boolean }): Promise<string[]> {
  const ds = new DataSource(buildDataSourceOptions(url, { poolSize: 2, forMigrations: true }));
  await ds.initialize();
  const lockRunner = opts.lock ? ds.createQueryRunner() : null;
  try {
    if (lockRunner) {
      await lockRunner.connect();
      // polled, not waited for: a session blocked in pg_advisory_lock() holds a snapshot, and a
      // migration that builds an index CONCURRENTLY waits for every such snapshot — the instances
      // starting beside the one migrating would wait for each other for ever
      while (!(await lockRunner.query('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATION_LOCK_KEY]))[0].ok) {
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    }
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (lockRunner) {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lockRunner.release();
    }
    await ds.destroy();
  }
}
