import type { Pool } from 'pg';
import { poolScopedQuery } from './pool-runner';

/** A pool with one client that records what it is sent; COMMIT resolves only when told to. */
function fakePool(opts: { failOn?: string } = {}) {
  const sent: string[] = [];
  const released: Array<Error | undefined> = [];
  let finishCommit: () => void = () => undefined;
  const client = {
    query: (sql: string) => {
      sent.push(sql);
      if (opts.failOn && sql.startsWith(opts.failOn)) return Promise.reject(new Error(`failed: ${sql}`));
      if (sql === 'COMMIT') return new Promise<{ rows: unknown[] }>((resolve) => (finishCommit = () => resolve({ rows: [] })));
      return Promise.resolve({ rows: sql.startsWith('SELECT') ? [{ id: '1' }] : [] });
    },
    release: (err?: Error) => released.push(err),
  };
  const pool = { connect: () => Promise.resolve(client) } as unknown as Pool;
  return { pool, sent, released, finishCommit: () => finishCommit() };
}

describe('poolScopedQuery', () => {
  it('sends BEGIN and the SET LOCALs in one round trip, then the statement, and answers before COMMIT completes', async () => {
    const f = fakePool();
    const rows = await poolScopedQuery(f.pool)(['enable_seqscan = off', 'enable_indexscan = off'], 'SELECT 1', []);
    expect(rows).toEqual([{ id: '1' }]);
    expect(f.sent).toEqual(['BEGIN; SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off', 'SELECT 1', 'COMMIT']);
    expect(f.released).toEqual([]); // the connection goes back only once COMMIT is done
    f.finishCommit();
    await new Promise((r) => setImmediate(r));
    expect(f.released).toEqual([undefined]);
  });

  it('rolls back and releases the connection when the statement fails', async () => {
    const f = fakePool({ failOn: 'SELECT' });
    await expect(poolScopedQuery(f.pool)(['enable_bitmapscan = off'], 'SELECT 1', [])).rejects.toThrow('failed: SELECT 1');
    expect(f.sent).toEqual(['BEGIN; SET LOCAL enable_bitmapscan = off', 'SELECT 1', 'ROLLBACK']);
    expect(f.released).toEqual([undefined]);
  });

  it('refuses anything but a plain "name = value" setting (nothing reaches the database)', async () => {
    const f = fakePool();
    await expect(poolScopedQuery(f.pool)(['enable_seqscan = off; DROP TABLE tickets'], 'SELECT 1', [])).rejects.toThrow('not a planner setting');
    expect(f.sent).toEqual([]);
  });
});
