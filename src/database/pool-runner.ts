import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** Runs one statement and returns its rows. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Runs one statement with planner settings (`SET LOCAL …`) that hold for that statement only. */
export type ScopedQuery = (settings: readonly string[], sql: string, params: unknown[]) => Promise<unknown[]>;

/** The pg pool under TypeORM's DataSource (the one the app's connections come from). */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Hot read paths with hand-written SQL (the ticket queue and detail) talk to the pg pool directly:
 * TypeORM's `query()` wraps every statement in a query runner, events and a result object, and its
 * `transaction()` spends a round trip of its own on START TRANSACTION. Errors are pg's own
 * (`code` = SQLSTATE), which the exception filter maps like TypeORM's.
 */
export function poolRunner(pool: Pool): SqlRunner {
  return { query: async (sql, params) => (await pool.query(sql, params)).rows };
}

const SETTING = /^[a-z_]+ = [a-z0-9_]+$/;

/**
 * `BEGIN; SET LOCAL …` go in one round trip, then the statement; the read-only transaction's COMMIT
 * is sent without waiting for it before answering (the connection returns to the pool once it is
 * done; a failed COMMIT discards the connection).
 */
export function poolScopedQuery(pool: Pool): ScopedQuery {
  return async (settings, sql, params) => {
    for (const s of settings) if (!SETTING.test(s)) throw new Error(`not a planner setting: ${s}`);
    const client = await pool.connect();
    let rows: unknown[];
    try {
      await client.query(['BEGIN', ...settings.map((s) => `SET LOCAL ${s}`)].join('; '));
      rows = (await client.query(sql, params)).rows;
    } catch (err) {
      await client.query('ROLLBACK').then(
        () => client.release(),
        (e: Error) => client.release(e),
      );
      throw err;
    }
    client.query('COMMIT').then(
      () => client.release(),
      (e: Error) => client.release(e),
    );
    return rows;
  };
}
