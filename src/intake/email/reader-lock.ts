import { Client } from 'pg';

/**
 * "Only one instance reads a mailbox": a session-level Postgres advisory lock held on a dedicated
 * connection. When the holder dies its connection closes, the server releases the lock and a
 * standby instance takes it on its next try. Not used on the embedded database (one instance,
 * one backend session: a second connection would wait forever).
 */
export class ReaderLock {
  private client: Client | null = null;
  private lost = false;

  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  /** true when this instance now holds the lock */
  async tryAcquire(onLost: () => void): Promise<boolean> {
    const client = new Client({ connectionString: this.url, application_name: 'enlace-imap-lock', connectionTimeoutMillis: 5000 });
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
