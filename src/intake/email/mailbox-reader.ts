import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ImapFlow } from 'imapflow';
import { DataSource, EntityManager } from 'typeorm';

import { AppConfig, ImapConfig } from '../../config/app-config';
import { HealthContributors } from '../../health/health-contributors';
import { MetricsService } from '../../metrics/metrics.service';
import { IntakeService } from '../intake.service';
import { EmailIntakeService, type EmailIntakeResult, type MailSource } from './email-intake.service';
import { describeImapError, ImapClientFactory } from './imap-client';
import type { InboundAttachment } from '../inbound-message';
import { normalisePartKeys, planPartialFetch, rebuildMessage } from './oversized-mail';
import { parseInboundEmail, withOmitted, type ParsedInboundEmail } from './parse-inbound-email';
import { ReaderLock } from './reader-lock';
import { uidSet } from './uid-set';
import { isTransientError, pgCode } from '../../database/transient-error';

const STANDBY_RETRY_MS = 5000;
const SHUTDOWN_GRACE_MS = 15_000;
const BATCH_MESSAGES = 100;
const BATCH_BYTES = 16 * 1024 * 1024;

interface BatchItem {
  source: MailSource;
  raw: Buffer | null;
  parsed: Promise<ParsedInboundEmail | Error>;
}

interface BatchRun {
  outcomes: Array<'ok' | 'failed'>;
  decisions: Array<{ decision: string; intake: EmailIntakeResult['intake'] }>;
}

/** A mail of a savepoint-less batch failed: the batch runs again with a savepoint per mail. */
class PoisonMail extends Error {
  constructor(readonly original: unknown) {
    super('a mail of the batch failed');
  }
}

export type ReaderRole = 'off' | 'starting' | 'standby' | 'reader';
export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface ReaderStatus {
  role: ReaderRole;
  connection: ConnectionState;
  mailbox: string | null;
  uidValidity: string | null;
  lastUid: number | null;
  lastSyncAt: string | null;
  lastError: string | null;
  reconnects: number;
}

/**
 * Watches the institutional mailbox (SPEC §3.1): IDLE plus a periodic reconcile, a stored cursor
 * (UIDVALIDITY + last UID), database commit first and only then \Seen + MOVE, poison mail to the
 * failed folder, reconnects with backoff, one reader across instances (advisory lock).
 */
@Injectable()
export class MailboxReader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MailboxReader.name);
  private stopping = false;
  private loop: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  /** ends the pause between passes of a session early (new mail, a lost connection or lock) */
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  /** the current session completed a pass (drained the mailbox), and since when it is connected */
  private sessionSynced = false;
  private sessionConnectedAt = 0;
  /** ends any wait early, a backoff included: only stop() calls it */
  private interrupt: (() => void) | null = null;
  /** the last refusal to file mail in the current pass (shown as lastError once the pass ends) */
  private fileError: string | null = null;
  private readonly status: ReaderStatus = { role: 'off', connection: 'disconnected', mailbox: null, uidValidity: null, lastUid: null, lastSyncAt: null, lastError: null, reconnects: 0 };
  private readonly metrics;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly imapFactory: ImapClientFactory,
    private readonly emailIntake: EmailIntakeService,
    private readonly intake: IntakeService,
    metrics: MetricsService,
    health: HealthContributors,
  ) {
    this.metrics = {
      connected: metrics.gauge('enlace_imap_connected', '1 while the IMAP connection of the mailbox reader is up'),
      reader: metrics.gauge('enlace_imap_reader_active', '1 while this instance is the one reading the mailbox'),
      reconnects: metrics.counter('enlace_imap_reconnects_total', 'IMAP sessions that ended with an error'),
      decisions: metrics.counter('enlace_email_intake_total', 'Processed mails by decision', ['decision']),
      batchSeconds: metrics.histogram('enlace_email_batch_seconds', 'Time to parse and commit one batch of mails (one transaction)', [], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
      pendingFailures: metrics.gauge('enlace_intake_failures_pending', 'Quarantined mails waiting for an admin'),
      fileFailures: metrics.counter('enlace_imap_file_failures_total', 'Mails the IMAP server refused to flag or move after they were processed', ['action']),
    };
    metrics.onCollect(async () => {
      const [{ n }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM intake_failures WHERE status = 'pending'`);
      this.metrics.pendingFailures.set(n);
    });
    // Readiness does not fail when the mail server is down: the API keeps working and mail waits
    // safely on the server; the state is reported for monitoring.
    health.register(() => ({ mailbox: { status: 'up' as const, enabled: !!this.config.imap && this.config.backgroundWorkers, ...this.snapshot() } }));
  }

  snapshot(): ReaderStatus {
    return { ...this.status };
  }

  onApplicationBootstrap(): void {
    const imap = this.config.imap;
    if (!imap || !this.config.backgroundWorkers) return; // BACKGROUND_WORKERS=false: another instance reads the mailbox
    if (this.config.smtp && imap.user.includes('@') && this.config.mailReturnPath !== imap.user.toLowerCase()) {
      this.logger.warn(
        { returnPath: this.config.mailReturnPath, mailbox: imap.user },
        'bounces of our mails go to MAIL_RETURN_PATH (default MAIL_FROM), not to the mailbox this reader reads: they will not be recorded unless that address forwards to it; set MAIL_RETURN_PATH=IMAP_USER',
      );
    }
    this.status.mailbox = imap.mailbox;
    this.status.role = 'starting';
    this.loop = this.run(imap);
  }

  /**
   * Stops reading before the database connections close (the shutdown hooks run after this). A
   * batch in progress is finished — committed and filed — so a planned stop leaves no committed
   * mail behind in the inbox for the next reader to dedupe; after SHUTDOWN_GRACE_MS the IMAP
   * connection is dropped anyway (what was committed is then a dedupe and a move next time).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    if (this.loop) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
      clearTimeout(timer);
    }
    const client = this.client;
    if (client) await client.logout().catch(() => client.close());
    await this.loop;
  }

  private wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** The pause between two passes of a session: a wake() (or one that came during the pass) ends it. */
  private pause(ms: number): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return this.wait(ms, true);
  }

  /**
   * Waits ms, or less when stop() is called. A backoff or standby wait is not `wakeable`: the
   * events of a failed session (its 'close' above all, which every failed connect emits) must not
   * cut it short, or a wrong password or an unreachable host is retried without pause.
   */
  private wait(ms: number, wakeable = false): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interrupt = null;
        if (wakeable) {
          this.wakeUp = null;
          this.pendingWake = false;
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
      if (wakeable) this.wakeUp = done;
    });
  }

  private describe(err: unknown): string {
    const imap = this.config.imap;
    return describeImapError(err, imap ? { user: imap.user, password: imap.password } : undefined);
  }

  private async run(imap: ImapConfig): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    // embedded PGlite has one backend session: a dedicated lock connection would deadlock there
    const lock = this.config.databaseUrl && url ? new ReaderLock(url, `enlace:imap:${imap.host}:${imap.user}:${imap.mailbox}`) : null;
    let failures = 0;
    while (!this.stopping) {
      let held = !lock;
      try {
        if (lock) {
          held = await lock.tryAcquire(() => {
            this.logger.warn('mailbox reader lock connection lost; stopping this session');
            void this.client?.logout().catch(() => undefined);
            this.wake();
          });
          if (!held) {
            this.status.role = 'standby';
            this.metrics.reader.set(0);
            await this.wait(STANDBY_RETRY_MS);
            continue;
          }
          this.logger.log({ mailbox: imap.mailbox }, 'mailbox reader lock acquired');
        }
        this.status.role = 'reader';
        this.metrics.reader.set(1);
        this.sessionSynced = false;
        const connected = await this.session(imap, lock);
        if (connected) failures = 0;
      } catch (err) {
        // a session that completed a pass and stayed up a whole reconcile interval was healthy: its
        // loss (a connection dropped days later) starts the backoff over instead of continuing an
        // old count up to the 60 s ceiling; a server that drops every session right after its first
        // pass keeps backing off
        const healthy = this.sessionSynced && Date.now() - this.sessionConnectedAt >= imap.reconcileSeconds * 1000;
        failures = healthy ? 1 : failures + 1;
        this.status.reconnects += 1;
        this.metrics.reconnects.inc();
        // the reason under a key of its own: safe-log reduces a string under `err` to its type
        const reason = this.describe(err);
        this.status.lastError = reason;
        this.logger.warn({ reason, attempt: failures }, 'mailbox reader session failed; retrying with backoff');
      } finally {
        this.status.connection = 'disconnected';
        this.metrics.connected.set(0);
        if (lock && held) await lock.release();
        this.metrics.reader.set(0);
      }
      if (!this.stopping && failures > 0) {
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6)) * (0.75 + Math.random() * 0.5);
        await this.wait(delay);
      }
    }
    this.status.role = 'off';
  }

  /** One IMAP connection. Returns true when it connected (a clean end resets the backoff). */
  private async session(imap: ImapConfig, lock: ReaderLock | null): Promise<boolean> {
    this.status.connection = 'connecting';
    const client = this.imapFactory.create();
    this.client = client;
    // a wake-up left from an earlier session has nothing to wake: this session drains first anyway
    this.pendingWake = false;
    let closed = false;
    // events of this client after its session ended (the 'close' of its logout) wake nothing
    let live = true;
    client.on('error', (err: unknown) => {
      this.status.lastError = this.describe(err);
    });
    client.on('close', () => {
      closed = true;
      if (live) this.wake();
    });
    client.on('exists', () => {
      if (live) this.wake();
    });
    try {
      await client.connect();
      this.sessionConnectedAt = Date.now();
      this.logger.debug('imap connected');
      this.status.connection = 'connected';
      this.metrics.connected.set(1);
      for (const box of [imap.processedMailbox, imap.failedMailbox]) {
        if (box) await client.mailboxCreate(box).catch(() => undefined);
      }
      while (!this.stopping && !closed) {
        if (lock && !(await lock.check())) break;
        // the mailbox lock is held only while draining: between passes the connection is free,
        // so imapflow IDLEs by itself (autoIdleDelay) and the server's EXISTS wakes us at once
        const mailboxLock = await this.step(client, client.getMailboxLock(imap.mailbox), 'select');
        try {
          await this.drain(client, imap);
        } finally {
          mailboxLock.release();
        }
        this.status.lastSyncAt = new Date().toISOString();
        this.sessionSynced = true;
        // a pass that could not file its mail still ran: say so until one files it
        this.status.lastError = this.fileError;
        this.fileError = null;
        await this.pause(imap.reconcileSeconds * 1000);
      }
      if (closed && !this.stopping) throw new Error('IMAP connection closed');
      return true;
    } finally {
      live = false;
      this.client = null;
      if (!closed) await client.logout().catch(() => client.close());
    }
  }

  /**
   * Watchdog for one IMAP step: a server or connection that stops answering must not stall the
   * reader; the connection is dropped and the session starts again (with backoff).
   */
  private async step<T>(client: ImapFlow, work: Promise<T>, what: string, ms = 30_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        client.close();
        reject(new Error(`IMAP ${what} did not answer within ${ms / 1000} s`));
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Processes everything waiting in the mailbox, oldest first, in bounded batches. */
  private async drain(client: ImapFlow, imap: ImapConfig): Promise<void> {
    // NOOP lets the server report new messages (EXISTS) even when IDLE has not started yet
    await this.step(client, client.noop(), 'noop');
    const box = client.mailbox;
    if (!box) throw new Error('mailbox not selected');
    const uidValidity = String(box.uidValidity);
    const cursorKey = mailboxKey(imap);
    const lastUid = await this.loadCursor(cursorKey, uidValidity);
    this.status.uidValidity = uidValidity;
    this.status.lastUid = lastUid;
    this.logger.debug({ exists: box.exists, lastUid }, 'drain');
    if (box.exists === 0) return;
    // with a processed folder everything still in the inbox is pending (incl. committed but not yet
    // moved after a crash: a dedupe and a move); without one, only UIDs past the cursor
    const range = imap.processedMailbox ? '1:*' : `${lastUid + 1}:*`;
    const sizes = await this.step(client, client.fetchAll(range, { uid: true, size: true, internalDate: true }, { uid: true }), 'fetch sizes', 120_000);
    const pending = sizes.filter((m) => imap.processedMailbox || m.uid > lastUid).sort((a, b) => a.uid - b.uid);
    const maxRaw = imap.maxMessageBytes;
    let i = 0;
    while (i < pending.length && !this.stopping) {
      const batch: typeof pending = [];
      let bytes = 0;
      while (i < pending.length && batch.length < BATCH_MESSAGES && (batch.length === 0 || bytes + (pending[i].size ?? 0) <= BATCH_BYTES)) {
        bytes += pending[i].size ?? 0;
        batch.push(pending[i++]);
      }
      const fetchable = batch.filter((m) => (m.size ?? 0) <= maxRaw).map((m) => m.uid);
      const sources = new Map<number, Buffer>();
      if (fetchable.length) {
        for (const msg of await this.step(client, client.fetchAll(uidSet(fetchable), { uid: true, source: true }, { uid: true }), 'fetch sources', 120_000)) {
          if (msg.source) sources.set(msg.uid, msg.source);
        }
      }
      const items: BatchItem[] = [];
      for (const m of batch) {
        const source = { mailbox: imap.mailbox, uidvalidity: uidValidity, uid: m.uid, receivedAt: m.internalDate ? new Date(m.internalDate) : null };
        if ((m.size ?? 0) > maxRaw) {
          // too big to hold whole: its text and the parts that fit, the rest recorded as omitted
          const partial = await this.fetchOversized(client, m.uid, maxRaw);
          items.push({
            source,
            raw: partial?.raw ?? null,
            parsed: partial ? this.parse(partial.raw).then((p) => (p instanceof Error ? p : withOmitted(p, partial.omitted, m.size ?? 0))) : Promise.resolve(new Error('message vanished before it was fetched')),
          });
          continue;
        }
        const raw = sources.get(m.uid) ?? null;
        // parsing starts at once for the whole batch and overlaps the database round trips
        items.push({ source, raw, parsed: raw ? this.parse(raw) : Promise.resolve(new Error('message vanished before it was fetched')) });
      }
      const outcomes = await this.processBatch(items, cursorKey);
      const done = items.filter((_, k) => outcomes[k] === 'ok').map((it) => it.source.uid);
      const failed = items.filter((_, k) => outcomes[k] === 'failed').map((it) => it.source.uid);
      this.status.lastUid = Math.max(this.status.lastUid ?? 0, ...items.map((it) => it.source.uid));
      await this.file(client, done, imap.processedMailbox);
      await this.file(client, failed, imap.failedMailbox);
    }
  }

  /**
   * \\Seen and MOVE after the commit. imapflow answers a refused command with `false`, not an error:
   * a refusal (quota, permissions, a folder that cannot be made) is logged, counted and shown in
   * /health/ready; the mail stays and is read again next pass, a dedupe that logs nothing new.
   */
  private async file(client: ImapFlow, uids: number[], destination: string | undefined): Promise<void> {
    if (!uids.length) return;
    const set = uidSet(uids);
    const flagged = await this.step(client, client.messageFlagsAdd(set, ['\\Seen'], { uid: true }), 'flag');
    if (!flagged) this.fileRefused('flag', `the server refused to flag ${uids.length} mail(s) \\Seen`);
    if (destination) {
      const moved = await this.step(client, client.messageMove(set, destination, { uid: true }), 'move');
      if (!moved) this.fileRefused('move', `the server refused to move ${uids.length} mail(s) to ${destination}`);
    }
  }

  private fileRefused(action: 'flag' | 'move', message: string): void {
    this.fileError = message;
    this.metrics.fileFailures.inc({ action });
    this.logger.warn({ action }, message);
  }

  /** Header, structure and the parts that fit of a mail above IMAP_MAX_MESSAGE_BYTES; null if it vanished. */
  private async fetchOversized(client: ImapFlow, uid: number, budgetBytes: number): Promise<{ raw: Buffer; omitted: InboundAttachment[] } | null> {
    const head = await this.step(client, client.fetchOne(String(uid), { uid: true, headers: true, bodyStructure: true }, { uid: true }), 'fetch structure', 120_000);
    if (!head || !head.headers || !head.bodyStructure) return null;
    const plan = planPartialFetch(head.bodyStructure, budgetBytes, this.config.attachmentMaxBytes);
    let fetched = new Map<string, Buffer>();
    if (plan.sections.length) {
      const parts = await this.step(client, client.fetchOne(String(uid), { uid: true, bodyParts: plan.sections }, { uid: true }), 'fetch parts', 120_000);
      if (!parts) return null;
      fetched = normalisePartKeys(parts.bodyParts);
    }
    this.logger.log({ uid, fetchedParts: plan.sections.length, omittedParts: plan.omitted.length }, 'oversized mail read part by part');
    return { raw: rebuildMessage(head.headers, head.bodyStructure, fetched), omitted: plan.omitted };
  }

  private parse(raw: Buffer): Promise<ParsedInboundEmail | Error> {
    return parseInboundEmail(raw, { attachmentMaxBytes: this.config.attachmentMaxBytes, ownAddresses: this.emailIntake.ownAddresses }).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
  }

  /**
   * A batch is split by sender into IMAP_INTAKE_CONCURRENCY lanes committed side by side (each
   * sender's mails stay in order in one lane; the embedded database has one connection: one lane).
   * Each lane is one transaction (one commit, i.e. one WAL flush, instead of one per mail). It
   * first runs without savepoints (two round trips less per mail); when a mail fails, that attempt
   * is rolled back and the lane runs again with a savepoint per mail, so the failing mail is
   * rolled back alone and quarantined (failure row + intake-log row) while the others commit.
   * A transient database error aborts the batch: nothing of it is filed, and it is read again on
   * the next pass (what a lane did commit is then a dedupe and a move). The cursor advances only
   * once every lane has committed.
   */
  private async processBatch(all: BatchItem[], cursorKey: string): Promise<Array<'ok' | 'failed'>> {
    const stop = this.metrics.batchSeconds.startTimer();
    // a mail already quarantined but still here (the move to the failed folder was refused) is not
    // processed and recorded again on every pass: it is only filed again
    const quarantined = await this.pendingFailures(all);
    const items = all.filter((it) => !quarantined.has(it.source.uid));
    const laneCount = this.config.databaseUrl ? Math.max(1, Math.min(this.config.imap?.concurrency ?? 1, items.length)) : 1;
    const lanes: BatchItem[][] = Array.from({ length: laneCount }, () => []);
    for (const item of items) {
      const parsed = await item.parsed;
      const sender = parsed instanceof Error ? '' : (parsed.fromAddress ?? '').toLowerCase();
      lanes[laneCount > 1 ? laneOf(sender, laneCount) : 0].push(item);
    }
    const settled = await Promise.allSettled(lanes.filter((l) => l.length).map(async (lane) => ({ lane, run: await this.processLane(lane) })));
    stop();
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const outcome = new Map<BatchItem, 'ok' | 'failed'>();
    for (const r of settled) {
      if (r.status !== 'fulfilled') continue;
      r.value.lane.forEach((item, k) => outcome.set(item, r.value.run.outcomes[k]));
      for (const d of r.value.run.decisions) {
        if (d.intake) this.intake.count('email', d.intake);
        this.metrics.decisions.inc({ decision: d.decision });
      }
    }
    const source = all[0]?.source;
    if (source) await this.advanceCursor(this.dataSource.manager, cursorKey, source.uidvalidity, Math.max(...all.map((it) => it.source.uid)));
    return all.map((it) => outcome.get(it) ?? 'failed');
  }

  /** UIDs of the batch with a pending failure record of this folder and UIDVALIDITY. */
  private async pendingFailures(items: BatchItem[]): Promise<Set<number>> {
    const source = items[0]?.source;
    if (!source) return new Set();
    const rows: Array<{ uid: string }> = await this.dataSource.query(
      `SELECT DISTINCT uid FROM intake_failures
       WHERE channel = 'email' AND status = 'pending' AND mailbox = $1 AND uidvalidity = $2 AND uid = ANY($3::bigint[])`,
      [source.mailbox, source.uidvalidity, items.map((it) => it.source.uid)],
    );
    return new Set(rows.map((r) => Number(r.uid)));
  }

  private async processLane(items: BatchItem[]): Promise<BatchRun> {
    try {
      return await this.runBatch(items, false);
    } catch (err) {
      if (!(err instanceof PoisonMail)) throw err;
      return this.runBatch(items, true);
    }
  }

  private async runBatch(items: BatchItem[], savepoints: boolean): Promise<BatchRun> {
    return this.transaction(async (manager) => {
      const run: BatchRun = { outcomes: [], decisions: [] };
      for (const item of items) {
        const parsed = await item.parsed;
        if (parsed instanceof Error) {
          await this.recordFailure(manager, item.source, item.raw, null, parsed);
          run.outcomes.push('failed');
          run.decisions.push({ decision: 'failed', intake: null });
          continue;
        }
        if (savepoints) await manager.query('SAVEPOINT mail');
        try {
          const r = await this.emailIntake.process(manager, parsed, item.source);
          if (savepoints) await manager.query('RELEASE SAVEPOINT mail');
          run.outcomes.push('ok');
          run.decisions.push({ decision: r.decision, intake: r.intake });
        } catch (err) {
          if (isTransientError(err)) throw err;
          if (!savepoints) throw new PoisonMail(err);
          await manager.query('ROLLBACK TO SAVEPOINT mail');
          await this.recordFailureSafely(manager, item.source, item.raw, parsed, err);
          run.outcomes.push('failed');
          run.decisions.push({ decision: 'failed', intake: null });
        }
      }
      return run;
    });
  }

  /**
   * recordFailure(), and should even that fail on what the mail holds, the record without the
   * parsed fields: a poison mail must always end in the failed folder, never stop the mailbox.
   */
  private async recordFailureSafely(manager: EntityManager, source: MailSource | null, raw: Buffer | null, parsed: ParsedInboundEmail | null, err: unknown): Promise<void> {
    await manager.query('SAVEPOINT failure');
    try {
      await this.recordFailure(manager, source, raw, parsed, err);
      await manager.query('RELEASE SAVEPOINT failure');
    } catch (recordErr) {
      if (isTransientError(recordErr)) throw recordErr;
      await manager.query('ROLLBACK TO SAVEPOINT failure');
      await this.recordFailure(manager, source, raw, null, err);
    }
  }

  private async recordFailure(manager: EntityManager, source: MailSource | null, raw: Buffer | null, parsed: ParsedInboundEmail | null, err: unknown): Promise<void> {
    const error = describe(err).split(String.fromCharCode(0)).join('');
    this.logger.warn({ uid: source?.uid ?? null, err: error }, 'mail quarantined');
    await manager.query(
      `INSERT INTO intake_failures (channel, mailbox, uidvalidity, uid, external_id, from_address, subject, error, raw, raw_size)
       VALUES ('email', $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [source?.mailbox ?? null, source?.uidvalidity ?? null, source?.uid ?? null, parsed?.externalId.slice(0, 998) ?? null, parsed?.fromAddress ?? null, parsed?.subject ?? null, error.slice(0, 2000), raw, raw?.length ?? 0],
    );
    await manager.query(
      `INSERT INTO intake_log (channel, mailbox, uidvalidity, uid, external_id, from_address, subject, kind, decision, reason)
       VALUES ('email', $1, $2, $3, $4, $5, $6, $7, 'failed', $8)`,
      [source?.mailbox ?? null, source?.uidvalidity ?? null, source?.uid ?? null, parsed?.externalId.slice(0, 998) ?? null, parsed?.fromAddress ?? null, parsed?.subject ?? null, parsed?.classification.kind ?? null, error.slice(0, 500)],
    );
  }

  private async transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(fn);
      } catch (err) {
        const code = pgCode(err);
        if (attempt < 4 && (code === '40P01' || code === '40001')) continue;
        throw err;
      }
    }
  }

  /** Reads the cursor; a UIDVALIDITY change restarts it (dedupe by Message-ID keeps that safe). */
  private async loadCursor(mailbox: string, uidValidity: string): Promise<number> {
    const rows: Array<{ uidvalidity: string; last_uid: string }> = await this.dataSource.query(`SELECT uidvalidity, last_uid FROM mail_cursors WHERE mailbox = $1`, [mailbox]);
    if (rows.length && String(rows[0].uidvalidity) === uidValidity) return Number(rows[0].last_uid);
    if (rows.length) this.logger.warn({ mailbox, from: String(rows[0].uidvalidity), to: uidValidity }, 'UIDVALIDITY changed: rescanning the mailbox');
    await this.dataSource.query(
      `INSERT INTO mail_cursors (mailbox, uidvalidity, last_uid) VALUES ($1, $2, 0)
       ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = EXCLUDED.uidvalidity, last_uid = 0, updated_at = now()`,
      [mailbox, uidValidity],
    );
    return 0;
  }

  private async advanceCursor(manager: EntityManager, cursorKey: string, uidvalidity: string, uid: number): Promise<void> {
    await manager.query(
      `UPDATE mail_cursors SET last_uid = GREATEST(last_uid, $3), updated_at = now() WHERE mailbox = $1 AND uidvalidity = $2`,
      [cursorKey, uidvalidity, uid],
    );
  }
}

/** The lane of a sender: every mail of one sender goes through the same lane, in order. */
export function laneOf(sender: string, lanes: number): number {
  let h = 2166136261;
  for (let i = 0; i < sender.length; i++) h = Math.imul(h ^ sender.charCodeAt(i), 16777619);
  return (h >>> 0) % lanes;
}

/** The cursor belongs to one folder of one account on one server (a change of any is another mailbox). */
export function mailboxKey(imap: Pick<ImapConfig, 'user' | 'host' | 'port' | 'mailbox'>): string {
  return `${imap.user.toLowerCase()}@${imap.host.toLowerCase()}:${imap.port}/${imap.mailbox}`.slice(0, 300);
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
