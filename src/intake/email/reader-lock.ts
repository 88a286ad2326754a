import { Client } from 'pg';

/**
 * "Only one instance reads a mailbox": a session-level Postgres advisory lock held on a dedicated
 * connection. When the holder dies its connection closes, the server releases the lock and a
 * standby instance takes it on its next try. Not used on the embedded database (one instance,
 * one backend session: a second connection would wait forever).
 */
/** Server-side keepalive of the lock connection, in seconds: a dead holder is dropped after idle + interval × count. */
export const KEEPALIVE = { idle: 20, interval: 10, count: 4 };

export class ReaderLock {
  private client: Client | null = null;
  private lost = false;

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  /** true when this instance now holds the lock */
  async tryAcquire(onLost: () => void): Promise<boolean> {
    // keepalive both ways: this side notices a dead server, and the server notices a dead holder
    // (a crashed host, a network split) within ~a minute instead of the system's two hours, so the
    // lock is released and a standby takes over; a liveness check never hangs on a half-open socket
    const client = new Client({
      connectionString: this.url,
      application_name: 'enlace-imap-lock',
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: 10_000,
    });
    let settled = false;
    const lose = () => {
      if (settled && !this.lost) {
        this.lost = true;
        onLost();
      }
    };
    client.on('error', lose);
    client.on('end', lose);
    try {
      await client.connect();
      // ignored on a Unix socket (no TCP), where the server sees a dead local process at once
      await client.query(`SET tcp_keepalives_idle = ${KEEPALIVE.idle}; SET tcp_keepalives_interval = ${KEEPALIVE.interval}; SET tcp_keepalives_count = ${KEEPALIVE.count}`);
      const rows = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok`, [this.key]);
      if (!rows.rows[0]?.ok) {
        await client.end().catch(() => undefined);
        return false;
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.lost = false;
    settled = true;
    return true;
  }

  /** A cheap liveness check of the lock connection. */
  async check(): Promise<boolean> {
    if (!this.client || this.lost) return false;
    try {
      await this.client.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    this.lost = true; // a deliberate release is not a loss
    await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [this.key]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
