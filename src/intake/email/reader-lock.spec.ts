import { Client } from 'pg';
import { ReaderLock } from './reader-lock';

// a real PostgreSQL server over TCP (the test set-up finds or starts one)
const url = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A time setting as the server shows it ('20', '20s', '1min', '0') in seconds. */
function seconds(shown: string): number {
  const m = /^(\d+)\s*(ms|s|min|h)?$/.exec(shown.trim());
  if (!m) throw new Error(`unexpected time setting: ${shown}`);
  const unit: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600 };
  return Number(m[1]) * (unit[m[2] ?? 's'] ?? NaN);
}

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
      const shown = await holder.query(
        `SELECT inet_client_addr() IS NOT NULL AS tcp, current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval, current_setting('tcp_keepalives_count') AS count`,
      );
      const { tcp, idle, interval, count } = shown.rows[0] as {
        tcp: boolean;
        idle: string;
        interval: string;
        count: string;
      };
      expect(tcp).toBe(true); // on a Unix socket the settings read 0 and say nothing
      // 0 is "the system's default" (two hours on Linux): each one set by the lock
      expect(seconds(idle)).toBeGreaterThanOrEqual(1);
      expect(seconds(interval)).toBeGreaterThanOrEqual(1);
      expect(Number(count)).toBeGreaterThanOrEqual(1);
      // the promise: a dead holder is dropped, and its lock freed, within a minute
      expect(seconds(idle) + seconds(interval) * Number(count)).toBeLessThanOrEqual(60);
      expect(await a.check()).toBe(true);
      await a.release();
      expect(await b.tryAcquire(() => undefined)).toBe(true);
    } finally {
      await a.release();
      await b.release();
    }
  });
});
