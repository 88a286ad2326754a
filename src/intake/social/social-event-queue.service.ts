import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { HealthContributors } from '../../health/health-contributors';
import { MetricsService } from '../../metrics/metrics.service';
import { SocialIntakeProcessor, type ClaimedEvent } from './social-intake.processor';
import { backoffSeconds, MAX_EVENT_ATTEMPTS, MAX_UNFINISHED_ATTEMPTS } from './social-retry-policy';

export { backoffSeconds, MAX_EVENT_ATTEMPTS, MAX_UNFINISHED_ATTEMPTS };

export type SocialPlatform = 'meta' | 'telegram';

const POLL_MS = 2_000;
const BATCH = 20;
const LEASE = '5 minutes';
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

/**
 * SQL: the delivery's stored body was redacted by an anonymisation (social-events-personal-data.ts):
 * its body_sha256 is then sha256(redacted body || ':' || id), never that of a body as received; one
 * still pending then was failed with ANONYMISED_ERROR. Placeholders stand where the citizen's name,
 * ids and words were, so processing it again would make tickets out of them.
 */
const REDACTED = `(body_sha256 = encode(sha256(body || convert_to(':' || id::text, 'UTF8')), 'hex') OR last_error IS NOT DISTINCT FROM 'no procesado: datos personales anonimizados')`;
/** Why a redacted delivery is not processed again (the problems list, in Spanish like its errors). */
export const REDACTED_NOT_RETRYABLE =
  'no se reprocesa: sus datos personales fueron anonimizados y la entrega guardada ya no es la recibida; atienda a mano lo que falte de ella';

/** A claimed delivery and the token of the claim that holds it. */
type HeldEvent = ClaimedEvent & { claimToken: string };

/**
 * The durable inbox of webhook deliveries. The controller stores the raw body (signature already
 * checked) and answers 200; this worker claims due rows with FOR UPDATE SKIP LOCKED (safe with
 * several instances) under a claim token (`locked_by`), processes them, and retries failures with
 * backoff (social-retry-policy: 10 s doubling to 15 min apart, for nearly seven hours). Renewing, finishing
 * and failing a row all require that token: once a lease has run out and another instance has
 * claimed the row, the first one leaves it alone. A row that keeps failing for MAX_EVENT_ATTEMPTS
 * attempts — or whose attempts die with the process MAX_UNFINISHED_ATTEMPTS times in a row — ends
 * `failed` with its error: kept, never deleted. A crash mid-processing only delays the row until
 * its lease expires; the intake's (channel, external id) uniqueness absorbs the replay. A delivery
 * whose messages are in but some of whose media could not be downloaded yet stays `pending` (its
 * result says `mediaPending`) and comes back on the same schedule to fetch them.
 */
@Injectable()
export class SocialEventQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SocialEventQueue.name);
  /** this instance, in its claim tokens */
  private readonly workerId = randomBytes(6).toString('hex');
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
      const { events, claimed } = await this.claim();
      if (!claimed) return total;
      for (const event of events) {
        await this.runOne(event);
        await this.yieldWhenBusy();
      }
      total += events.length;
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

  /**
   * Deliveries that failed every retry, or were processed with messages that could not be stored;
   * newest first, no bodies. `retryable` is false, with `notRetryableReason`, for one an
   * anonymisation redacted.
   */
  async problems(before: number | null, limit: number) {
    const rows: Array<{
      id: string;
      platform: string;
      status: string;
      attempts: number;
      last_error: string | null;
      result: Record<string, unknown>;
      received_at: Date;
      processed_at: Date | null;
      redacted: boolean;
    }> = await this.dataSource.query(
      `SELECT id, platform, status, attempts, last_error, result, received_at, processed_at, ${REDACTED} AS redacted FROM social_events
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
      retryable: !r.redacted,
      notRetryableReason: r.redacted ? REDACTED_NOT_RETRYABLE : null,
    }));
  }

  /**
   * Processes a failed (or partly failed) delivery again, from its stored raw body. False when there
   * is no such problem; a CONFLICT (409) when an anonymisation redacted it (see REDACTED).
   */
  async retry(id: string): Promise<boolean> {
    const updated: unknown[] = await this.dataSource.query(
      // wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count]
      `WITH u AS (
         UPDATE social_events SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL,
           result = result - 'unfinishedAttempts'
         WHERE id = $1 AND (status = 'failed' OR result ? 'failures') AND NOT ${REDACTED} RETURNING id
       ) SELECT id FROM u`,
      [id],
    );
    if (updated.length) {
      this.logger.log({ socialEventId: id }, 'social event queued again by an admin');
      this.kick();
      return true;
    }
    const [redacted]: unknown[] = await this.dataSource.query(
      `SELECT id FROM social_events WHERE id = $1 AND (status = 'failed' OR result ? 'failures') AND ${REDACTED}`,
      [id],
    );
    if (redacted) {
      throw new DomainError(
        'CONFLICT',
        'This delivery was redacted when a citizen in it was anonymised: it is not processed again (it would make tickets out of placeholders); handle what is missing from it by hand',
      );
    }
    return false;
  }

  /**
   * Claims up to BATCH due rows under a new claim token and counts the attempt. A row whose claim
   * was still held (`locked_by` set: the attempt never finished — the process died on it, or lost
   * the database mid-way) counts one more unfinished attempt in `result.unfinishedAttempts` (a
   * finished attempt clears it). A row that already had MAX_EVENT_ATTEMPTS (its last attempt never
   * finished), or reaches MAX_UNFINISHED_ATTEMPTS unfinished ones in a row, is not processed again:
   * it goes `failed`, shown with the problems. `claimed` counts both kinds.
   */
  private async claim(): Promise<{ events: HeldEvent[]; claimed: number }> {
    const claimToken = `${this.workerId}.${randomBytes(6).toString('hex')}`;
    const rows: Array<{ id: string; platform: SocialPlatform; body: Buffer | null; attempts: number; status: string; age_seconds: number | string }> =
      await this.dataSource.query(
        // wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count]
        `WITH due AS (
           SELECT id, unfinished, (attempts >= $3 OR unfinished >= $4) AS give_up
           FROM (
             SELECT id, attempts, COALESCE((result->>'unfinishedAttempts')::int, 0) + CASE WHEN locked_by IS NOT NULL THEN 1 ELSE 0 END AS unfinished
             FROM social_events
             WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
             ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
           ) locked
         ), claimed AS (
           UPDATE social_events e SET
             attempts = CASE WHEN j.give_up THEN e.attempts ELSE e.attempts + 1 END,
             status = CASE WHEN j.give_up THEN 'failed' ELSE 'pending' END,
             locked_by = CASE WHEN j.give_up THEN NULL ELSE $2 END,
             locked_until = CASE WHEN j.give_up THEN NULL ELSE now() + interval '${LEASE}' END,
             result = CASE WHEN j.unfinished > 0 THEN e.result || jsonb_build_object('unfinishedAttempts', j.unfinished) ELSE e.result END,
             last_error = CASE
               WHEN e.attempts >= $3
               THEN left('AttemptsExhausted: attempt ' || e.attempts || ' never finished (the process stopped while handling it)'
                         || COALESCE('; earlier: ' || e.last_error, ''), 1000)
               WHEN j.give_up
               THEN left('AttemptsExhausted: ' || j.unfinished || ' attempts in a row never finished (the process stopped while handling them)'
                         || COALESCE('; earlier: ' || e.last_error, ''), 1000)
               ELSE e.last_error END
           FROM due j WHERE e.id = j.id
           RETURNING e.id, e.platform, CASE WHEN e.status = 'pending' THEN e.body END AS body, e.attempts, e.status,
                     EXTRACT(EPOCH FROM now() - e.received_at) AS age_seconds
         ) SELECT * FROM claimed`,
        [BATCH, claimToken, MAX_EVENT_ATTEMPTS, MAX_UNFINISHED_ATTEMPTS],
      );
    const events: HeldEvent[] = [];
    for (const r of rows) {
      if (r.status === 'pending' && r.body) {
        events.push({ id: String(r.id), platform: r.platform, body: r.body, attempts: r.attempts, ageSeconds: Math.max(0, Number(r.age_seconds) || 0), claimToken });
      } else {
        this.processed.inc({ platform: r.platform, result: 'failed' });
        this.logger.warn({ socialEventId: String(r.id), attempts: r.attempts, failed: true }, 'social event given up: its last attempt never finished');
      }
    }
    return { events: events.sort((a, b) => Number(a.id) - Number(b.id)), claimed: rows.length };
  }

  private async runOne(event: HeldEvent): Promise<void> {
    // the batch's lease was taken when it was claimed; events wait their turn behind slow ones
    // (media downloads timing out): renew this one's, or leave it if another instance claimed it
    // after it ran out (its token replaced ours). The row lock orders this against that claim.
    const held: unknown[] = await this.dataSource.query(
      `WITH renewed AS (
         UPDATE social_events SET locked_until = now() + interval '${LEASE}'
         WHERE id = $1 AND status = 'pending' AND locked_by = $2 RETURNING id
       ) SELECT id FROM renewed`,
      [event.id, event.claimToken],
    );
    if (!held.length) {
      this.logger.warn({ socialEventId: event.id }, 'social event lease ran out before its turn; left to whoever holds it now');
      return;
    }
    const { claimToken, ...claimed } = event;
    try {
      const result = await this.processor.process(claimed);
      const mediaPending = typeof result.mediaPending === 'number' ? result.mediaPending : 0;
      if (mediaPending > 0) {
        // the messages are in; their missing media are fetched at the next attempts (the processor
        // gives them up before the attempts run out, so this never ends `failed`)
        const waiting: unknown[] = await this.dataSource.query(
          `WITH waiting AS (
             UPDATE social_events SET locked_by = NULL, locked_until = NULL, last_error = $4, result = $3,
               next_attempt_at = now() + make_interval(secs => $5)
             WHERE id = $1 AND status = 'pending' AND locked_by = $2 RETURNING id
           ) SELECT id FROM waiting`,
          [event.id, claimToken, JSON.stringify(result), `MediaPending: ${typeof result.mediaError === 'string' ? result.mediaError : 'media not downloaded yet'}`.slice(0, 1000), backoffSeconds(event.attempts)],
        );
        if (!waiting.length) this.logger.warn({ socialEventId: event.id }, 'social event processed after its claim was lost; left as its holder leaves it');
        this.processed.inc({ platform: event.platform, result: 'media_pending' });
        this.logger.log({ socialEventId: event.id, attempts: event.attempts, mediaPending }, 'social event stored; media download retried later');
        return;
      }
      const done: unknown[] = await this.dataSource.query(
        // a row another instance claimed or finished meanwhile stays as it left it
        `WITH done AS (
           UPDATE social_events SET status = 'done', processed_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL, result = $3
           WHERE id = $1 AND status = 'pending' AND locked_by = $2 RETURNING id
         ) SELECT id FROM done`,
        [event.id, claimToken, JSON.stringify(result)],
      );
      if (!done.length) this.logger.warn({ socialEventId: event.id }, 'social event processed after its claim was lost; left as its holder leaves it');
      this.processed.inc({ platform: event.platform, result: 'done' });
    } catch (err) {
      const message = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 1000);
      const failed = event.attempts >= MAX_EVENT_ATTEMPTS;
      await this.dataSource.query(
        `UPDATE social_events SET status = $3, locked_by = NULL, locked_until = NULL, last_error = $4, result = result - 'unfinishedAttempts',
           next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1 AND status = 'pending' AND locked_by = $2`,
        [event.id, claimToken, failed ? 'failed' : 'pending', message, backoffSeconds(event.attempts)],
      );
      this.processed.inc({ platform: event.platform, result: failed ? 'failed' : 'retry' });
      this.logger.warn({ socialEventId: event.id, attempts: event.attempts, failed, error: (err as Error).name }, 'social event processing failed');
    }
  }
}
