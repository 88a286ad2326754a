import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source';

const MIGRATION_LOCK_KEY = 7_216_335_001;

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
      await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
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
