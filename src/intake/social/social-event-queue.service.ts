import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { HealthContributors } from '../../health/health-contributors';
import { MetricsService } from '../../metrics/metrics.service';
import { SocialIntakeProcessor, type ClaimedEvent } from './social-intake.processor';

export type SocialPlatform = 'meta' | 'telegram';

const POLL_MS = 2_000;
const BATCH = 20;
const LEASE = '5 minutes';
export const MAX_EVENT_ATTEMPTS = 8;
const MAX_WRITE_BATCH = 200;
/**
 * Group-commit INSERTs in flight at once. One at a time makes a request that arrives during a
 * commit wait for it and then for its own; a few in flight overlap the round trips (PostgreSQL
 * group-commits their WAL flushes itself), while bursts still batch once all are busy. Well
 * under the pool size (10), so the API and the worker keep connections.
 */
const MAX_FLUSHES_IN_FLIGHT = 3;
/** Above this event-loop utilisation the worker pauses between events so webhooks keep answering fast. */
const BUSY_ELU = 0.6;
const BUSY_PAUSE_MS = 40;

/** Seconds to wait before attempt n+1: 1, 2, 4 … capped at one hour. */
export const backoffSeconds = (attempts: number) => Math.min(2 ** Math.max(0, attempts - 1), 3600);

/**
 * The durable inbox of webhook deliveries. The controller stores the raw body (signature already
 * checked) and answers 200; this worker claims due rows with FOR UPDATE SKIP LOCKED (safe with
 * several instances), processes them, and retries failures with backoff. A row that keeps failing
 * ends `failed` with its error — kept, never deleted. A crash mid-processing only delays the row
 * until its lease expires; the intake's (channel, external id) uniqueness absorbs the replay.
 */
@Injectable()
export class SocialEventQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SocialEventQueue.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private flushesInFlight = 0;
  private readonly pendingWrites: Array<{ platform: SocialPlatform; body: Buffer; sha: string; resolve: (r: { duplicate: boolean }) => void; reject: (e: Error) => void }> = [];
  private readonly stored;
  private readonly processed;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly processor: SocialIntakeProcessor,
    metrics: MetricsService,
    health: HealthContributors,
  ) {
    this.stored = metrics.counter('enlace_social_events_stored_total', 'Webhook deliveries stored, by platform and whether new', ['platform', 'outcome']);
    this.processed = metrics.counter('enlace_social_events_processed_total', 'Webhook deliveries processed, by platform and result', ['platform', 'result']);
    const backlog = metrics.gauge('enlace_social_events_pending', 'Webhook deliveries waiting to be processed');
    metrics.onCollect(async () => {
      const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM social_events WHERE status = 'pending'`);
      backlog.set(row.n);
    });
    health.register(async () => {
      const [row] = await this.dataSource.query(
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM social_events`,
      );
      return { socialEvents: { status: 'up', worker: this.config.backgroundWorkers ? 'running' : 'disabled on this instance', pending: row.pending, failed: row.failed } };
    });
  }

  onApplicationBootstrap(): void {
    // BACKGROUND_WORKERS=false: this instance only stores; an instance with workers on processes
    if (!this.config.backgroundWorkers) {
      this.logger.log('social event worker disabled on this instance (BACKGROUND_WORKERS=false)');
      return;
    }
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Stores a verified delivery durably; resolves once its row is committed, so the caller can
   * answer 200. An identical redelivery (same bytes) is stored once. Concurrent calls are written
   * together in one INSERT (group commit): one WAL flush for a burst instead of one per request;
   * up to MAX_FLUSHES_IN_FLIGHT such INSERTs run at once.
   */
  store(platform: SocialPlatform, body: Buffer): Promise<{ duplicate: boolean }> {
    const sha = createHash('sha256').update(body).digest('hex');
    return new Promise((resolve, reject) => {
      this.pendingWrites.push({ platform, body, sha, resolve, reject });
      if (this.flushesInFlight < MAX_FLUSHES_IN_FLIGHT) void this.flushWrites();
    });
  }

  private async flushWrites(): Promise<void> {
    this.flushesInFlight += 1;
    try {
      while (this.pendingWrites.length) {
        const batch = this.pendingWrites.splice(0, MAX_WRITE_BATCH);
        try {
          const rows: Array<{ platform: string; body_sha256: string }> = await this.dataSource.query(
            `INSERT INTO social_events (platform, body, body_sha256)
             SELECT * FROM unnest($1::varchar[], $2::bytea[], $3::varchar[])
             ON CONFLICT (platform, body_sha256) DO NOTHING RETURNING platform, body_sha256`,
            [batch.map((w) => w.platform), batch.map((w) => w.body), batch.map((w) => w.sha)],
          );
          const inserted = new Set(rows.map((r) => `${r.platform}:${r.body_sha256}`));
          const counts = new Map<string, number>(); // one metric update per platform and outcome, not per delivery
          let fresh = 0;
          for (const w of batch) {
            const key = `${w.platform}:${w.sha}`;
            const duplicate = !inserted.delete(key); // the first of identical bodies in one batch is the new one
            if (!duplicate) fresh += 1;
            const label = `${w.platform}:${duplicate ? 'duplicate' : 'new'}`;
            counts.set(label, (counts.get(label) ?? 0) + 1);
            w.resolve({ duplicate });
          }
          for (const [label, n] of counts) {
            const [platform, outcome] = label.split(':');
            this.stored.inc({ platform, outcome }, n);
          }
          if (fresh) this.kick();
        } catch (err) {
          for (const w of batch) w.reject(err as Error);
        }
      }
    } finally {
      this.flushesInFlight -= 1;
    }
  }

  /**
   * Process due rows now (also called by the poll timer). Never runs two loops at once in one
   * process; does nothing on a web-only instance (BACKGROUND_WORKERS=false).
   */
  kick(): void {
    if (this.stopped || !this.config.backgroundWorkers) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(() => undefined)
      .catch((err: Error) => this.logger.error({ err: err.name }, 'social event loop failed'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Processes until nothing is due. Tests await it to wait for the queue. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const batch = await this.claim();
      if (!batch.length) return total;
      for (const event of batch) {
        await this.runOne(event);
        await this.yieldWhenBusy();
      }
      total += batch.length;
    }
  }

  private lastElu = performance.eventLoopUtilization();

  /**
   * Processing is background work: when the process is busy (a burst of deliveries), pause a
   * little between events so the webhook's 200 stays fast; the backlog is worked off after.
   */
  private async yieldWhenBusy(): Promise<void> {
    const now = performance.eventLoopUtilization();
    const recent = performance.eventLoopUtilization(now, this.lastElu);
    this.lastElu = now;
    if (recent.utilization > BUSY_ELU || this.pendingWrites.length > 0 || this.flushesInFlight > 0) {
      await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
    }
  }

  /** Deliveries that failed every retry, or were processed with messages that could not be stored; newest first, no bodies. */
  async problems(before: number | null, limit: number) {
    const rows: Array<{ id: string; platform: string; status: string; attempts: number; last_error: string | null; result: Record<string, unknown>; received_at: Date; processed_at: Date | null }> =
      await this.dataSource.query(
        `SELECT id, platform, status, attempts, last_error, result, received_at, processed_at FROM social_events
         WHERE (status = 'failed' OR result ? 'failures') AND ($1::bigint IS NULL OR id < $1)
         ORDER BY id DESC LIMIT $2`,
        [before, limit],
      );
    return rows.map((r) => ({
      id: String(r.id),
      platform: r.platform,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      failures: (r.result.failures as unknown[] | undefined) ?? [],
      outcomes: (r.result.outcomes as Record<string, number> | undefined) ?? {},
      receivedAt: r.received_at,
      processedAt: r.processed_at,
    }));
  }

  /** Processes a failed (or partly failed) delivery again, from its stored raw body. False when there is no such problem. */
  async retry(id: string): Promise<boolean> {
    const updated: unknown[] = await this.dataSource.query(
      // wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count]
      `WITH u AS (
         UPDATE social_events SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, last_error = NULL
         WHERE id = $1 AND (status = 'failed' OR result ? 'failures') RETURNING id
       ) SELECT id FROM u`,
      [id],
    );
    if (updated.length) {
      this.logger.log({ socialEventId: id }, 'social event queued again by an admin');
      this.kick();
    }
    return updated.length > 0;
  }

  private async claim(): Promise<ClaimedEvent[]> {
    const [rows] = await this.dataSource.query(
      `UPDATE social_events e SET locked_until = now() + interval '${LEASE}', attempts = e.attempts + 1
       WHERE e.id IN (
         SELECT id FROM social_events
         WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING e.id, e.platform, e.body, e.attempts`,
      [BATCH],
    );
    return (rows as Array<{ id: string; platform: SocialPlatform; body: Buffer; attempts: number }>)
      .map((r) => ({ id: String(r.id), platform: r.platform, body: r.body, attempts: r.attempts }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  private async runOne(event: ClaimedEvent): Promise<void> {
    // the batch's lease was taken when it was claimed; events wait their turn behind slow ones
    // (media downloads timing out): renew this one's, or leave it if it ran out meanwhile (another
    // instance may have claimed it since)
    const held: unknown[] = await this.dataSource.query(
      `WITH renewed AS (
         UPDATE social_events SET locked_until = now() + interval '${LEASE}'
         WHERE id = $1 AND status = 'pending' AND locked_until > now() RETURNING id
       ) SELECT id FROM renewed`,
      [event.id],
    );
    if (!held.length) {
      this.logger.warn({ socialEventId: event.id }, 'social event lease ran out before its turn; left to whoever holds it now');
      return;
    }
    try {
      const result = await this.processor.process(event);
      await this.dataSource.query(
        // a row another instance finished meanwhile stays as it left it
        `UPDATE social_events SET status = 'done', processed_at = now(), locked_until = NULL, last_error = NULL, result = $2 WHERE id = $1 AND status = 'pending'`,
        [event.id, JSON.stringify(result)],
      );
      this.processed.inc({ platform: event.platform, result: 'done' });
    } catch (err) {
      const message = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 1000);
      const failed = event.attempts >= MAX_EVENT_ATTEMPTS;
      await this.dataSource.query(
        `UPDATE social_events SET status = $2, locked_until = NULL, last_error = $3,
           next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1 AND status = 'pending'`,
        [event.id, failed ? 'failed' : 'pending', message, backoffSeconds(event.attempts)],
      );
      this.processed.inc({ platform: event.platform, result: failed ? 'failed' : 'retry' });
      this.logger.warn({ socialEventId: event.id, attempts: event.attempts, failed, error: (err as Error).name }, 'social event processing failed');
    }
  }
}
