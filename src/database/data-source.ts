import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/**
 * The one DataSource definition shared by the app and the TypeORM CLI.
 * Schema changes only through migrations; never synchronize.
 */
export function buildDataSourceOptions(url: string, opts: { poolSize?: number; forMigrations?: boolean } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: opts.poolSize ?? 10,
      // a request never waits forever for a connection or a statement; a migration (an index
      // over a million tickets, a backfill) may take longer than any request: no limit there,
      // or it would be cancelled and retried at every start, and the app would never start
      connectionTimeoutMillis: 5000,
      statement_timeout: opts.forMigrations ? 0 : 30000,
      idle_in_transaction_session_timeout: opts.forMigrations ? 0 : 60000,
      application_name: 'enlace-ciudadano',
    },
  };
}

/** Used by `npm run migration:*` (compiled to dist/src/database/data-source.js). */
export default new DataSource(
  buildDataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/enlace', { forMigrations: true }),
);
