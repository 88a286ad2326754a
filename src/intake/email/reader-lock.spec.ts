import { Client } from 'pg';
import { KEEPALIVE, ReaderLock } from './reader-lock';

// a real PostgreSQL server over TCP (the test set-up finds or starts one)
const url = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('mailbox reader lock (real PostgreSQL)', () => {
  it('is held by one instance at a time, with server-side keepalive so a dead holder is dropped in about a minute', async () => {
    const key = `test:reader-lock:${process.pid}:${Date.now()}`;
    const a = new ReaderLock(url, key);
    const b = new ReaderLock(url, key);
    try {
      expect(await a.tryAcquire(() => undefined)).toBe(true);
      expect(await b.tryAcquire(() => undefined)).toBe(false);
      // what the server applies to the holder's session
      const holder = (a as unknown as { client: Client }).client;
      const shown = await holder.query(`SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval, current_setting('tcp_keepalives_count') AS count`);
      expect(shown.rows[0]).toEqual({ idle: String(KEEPALIVE.idle), interval: String(KEEPALIVE.interval), count: String(KEEPALIVE.count) });
      expect(await a.check()).toBe(true);
      await a.release();
      expect(await b.tryAcquire(() => undefined)).toBe(true);
    } finally {
      await a.release();
      await b.release();
    }
  });
});
