import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxService } from './outbox.service';
import {
  OutboxPermanentError,
  OutboxRow,
  OutboxTransports,
  OutboxUnavailableError,
} from './outbox-transports';
import { retryDelayMs } from './retry-backoff';
import { credentialForms } from '../common/credential-forms';

/** On shutdown, how long the sends already in flight may take to finish and be recorded. */
const STOP_WAIT_MS = 10_000;

/**
 * A send that did not settle within half the lease. Unlike OutboxUnavailableError it counts
 * towards OUTBOX_MAX_ATTEMPTS: the send was not cancelled and may still have reached the server,
 * so a row that keeps timing out must not be retried (and perhaps delivered) without end.
 */
export class OutboxSendTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboxSendTimeoutError';
  }
}

/** What the worker does with a failed attempt (pure; see the spec beside it). */
export function failureOutcome(
  err: unknown,
  attempts: number,
  maxAttempts: number,
): 'failed' | 'retry' {
  if (err instanceof OutboxPermanentError) return 'failed';
  if (err instanceof OutboxUnavailableError) return 'retry';
  return attempts >= maxAttempts ? 'failed' : 'retry';
}

/**
 * What /health/ready shows of one channel's link (OutboxMonitor): the last failure that left a row
 * queued for another try (server unreachable, DNS, login refused, timeout, a 4xx), cleared by the
 * next successful send on that channel. Per instance: each worker knows its own sends.
 */
export interface OutboxLinkStatus {
  /** e.g. "535 5.7.8 Authentication credentials invalid (AUTH PLAIN) [EAUTH]"; no addresses, no credentials */
  lastError: string | null;
  /** nodemailer's code and the server's response code, e.g. "EAUTH 535" */
  lastErrorCode: string | null;
  lastErrorAt: string | null;
  lastSentAt: string | null;
}

/** How much of a server's answer /health/ready shows. */
const LINK_ERROR_MAX_CHARS = 200;

/**
 * A failure's text made safe for /health/ready (a public endpoint): the row's recipient, any email
 * address, the SMTP login and password (the caller passes every form AUTH sends them in), long digit
 * runs (phone numbers, platform user ids) and long opaque tokens are replaced, and the text is cut short.
 */
export function redactLinkError(message: string, secrets: Array<string | null | undefined>): string {
  let text = message.replace(/[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+/g, '[address]');
  const literals = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    literals.add(s);
    literals.add(Buffer.from(s).toString('base64').replace(/=+$/, ''));
  }
  for (const s of [...literals].sort((a, b) => b.length - a.length))
    text = text.replace(new RegExp(`${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}={0,2}`, 'gi'), '[redacted]'); // base64 with its padding
  return text
    .replace(/\+?\d(?:[ ()-]{0,2}\d){6,}/g, '[number]')
    .replace(/[A-Za-z0-9+/_-]{24,}={0,2}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, LINK_ERROR_MAX_CHARS);
}

/** Error details safe for logs: codes, never messages (they can hold addresses). */
function errorCode(err: unknown): string {
  const e = err as { responseCode?: number; code?: string; name?: string };
  return (
    [e?.name, e?.code, e?.responseCode].filter((x) => x !== undefined && x !== null).join(':') ||
    'unknown'
  );
}

/** "EAUTH 535", "ECONNREFUSED", "OutboxSendTimeoutError": the failure's code and the server's answer code. */
function linkErrorCode(err: unknown): string {
  const e = err as { name?: string; code?: unknown; responseCode?: unknown; cause?: unknown };
  const c = (e?.cause ?? {}) as { code?: unknown; responseCode?: unknown };
  const code = [c.code ?? e?.code, c.responseCode ?? e?.responseCode]
    .filter((x) => typeof x === 'string' || typeof x === 'number')
    .join(' ');
  return code || e?.name || 'unknown';
}

/**
 * Sends the outbox. Every app instance may run one: rows are claimed with SKIP LOCKED and a lease,
 * the claim renewed right before each row's send (a row another worker claimed meanwhile is left
 * to it), sent through the transport registered for their channel, then marked sent / retried with
 * exponential backoff / failed. On shutdown no new send starts, claimed rows not yet started are
 * handed back at once, and the sends in flight get STOP_WAIT_MS to finish. Delivery is at-least-once: a worker that dies after the receiving
 * server accepted a mail but before it recorded that, sends it again — with the same Message-ID.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxWorker.name);
  private readonly workerId = randomBytes(6).toString('hex');
  private stopping = false;
  /** the rounds under way, told when shutdown begins */
  private readonly stopListeners = new Set<() => void>();
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly attempts;
  private readonly lag;
  /** per channel: the last failure of its link and the last send (see OutboxLinkStatus) */
  private readonly links = new Map<string, OutboxLinkStatus>();

  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly transports: OutboxTransports,
    metrics: MetricsService,
  ) {
    this.attempts = metrics.counter(
      'enlace_outbox_attempts_total',
      'Outbox send attempts by channel and outcome (sent, retry, failed)',
      ['channel', 'outcome'],
    );
    this.lag = metrics.histogram(
      'enlace_outbox_delivery_lag_seconds',
      'Seconds from enqueue to sent',
      ['channel'],
      [1, 5, 15, 60, 300, 900, 3600, 21600, 86400],
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.outbox.workerEnabled) {
      this.logger.log(`outbox worker disabled on this instance (${this.config.backgroundWorkers ? 'OUTBOX_WORKER' : 'BACKGROUND_WORKERS'}=false)`);
      return;
    }
    this.loopDone = this.loop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const listener of this.stopListeners) listener();
    this.wakeUp?.();
    if (!this.loopDone) return;
    // no new send starts now and unstarted rows are handed back (runOnce); the sends in flight
    // get a bounded grace to finish and be recorded
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.loopDone.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn(
        `outbox sends still in flight after ${STOP_WAIT_MS / 1000} s of shutdown: their rows are taken up again when their lease runs out`,
      );
    }
  }

  /** The state of each channel's link as this instance's sends saw it (for /health/ready). */
  linkStatus(): Record<string, OutboxLinkStatus> {
    return Object.fromEntries([...this.links].map(([channel, s]) => [channel, { ...s }]));
  }

  private link(channel: string): OutboxLinkStatus {
    let s = this.links.get(channel);
    if (!s) {
      s = { lastError: null, lastErrorCode: null, lastErrorAt: null, lastSentAt: null };
      this.links.set(channel, s);
    }
    return s;
  }

  /**
   * Keeps a failure that says nothing against this one mail (the server unreachable, the login
   * refused, a timeout, a 4xx): what an operator must see before the queue grows. A permanent
   * refusal of one message is not kept: it is the row's (failed, on its thread).
   */
  private noteLinkFailure(row: OutboxRow, err: unknown): void {
    if (err instanceof OutboxPermanentError) return;
    const s = this.link(row.channel);
    const message = err instanceof Error ? err.message : String(err);
    // the recipient, also its local part alone ("452 rosa.martinez: mailbox full"), and the login in every form AUTH sends it
    const smtp = this.config.smtp;
    const secrets = [row.recipient, row.recipient.split('@')[0], smtp?.user, ...credentialForms(smtp?.user, smtp?.password)];
    s.lastError = redactLinkError(message, secrets) || 'unknown error';
    s.lastErrorCode = linkErrorCode(err);
    s.lastErrorAt = new Date().toISOString();
  }

  private noteSent(channel: string): void {
    const s = this.link(channel);
    s.lastError = null;
    s.lastErrorCode = null;
    s.lastErrorAt = null;
    s.lastSentAt = new Date().toISOString();
  }

  /** Poll now instead of waiting for the next interval. */
  wake(): void {
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      try {
        claimed = await this.runOnce();
      } catch (err) {
        if (!this.stopping) this.logger.warn({ err: errorCode(err) }, 'outbox poll failed');
      }
      if (this.stopping) break;
      if (claimed < this.config.outbox.batchSize) await this.sleep(this.config.outbox.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** One claim-and-send round; returns how many rows it claimed. */
  async runOnce(): Promise<number> {
    const cfg = this.config.outbox;
    const claimToken = `${this.workerId}.${randomBytes(6).toString('hex')}`;
    const rows = await this.outbox.claim(
      this.transports.channels(),
      cfg.batchSize,
      claimToken,
      cfg.leaseSeconds,
    );
    if (!rows.length) return 0;
    let next = 0;
    const lane = async () => {
      while (next < rows.length && !this.stopping) {
        const row = rows[next++];
        await this.deliver(row, claimToken);
      }
    };
    const lanes = Promise.all(Array.from({ length: Math.min(cfg.concurrency, rows.length) }, lane));
    let onStop!: () => void;
    const stopped = new Promise<void>((resolve) => (onStop = resolve));
    if (this.stopping) onStop();
    this.stopListeners.add(onStop);
    try {
      await Promise.race([lanes, stopped]);
    } finally {
      this.stopListeners.delete(onStop);
    }
    if (next < rows.length) {
      // stopping: the rows no lane started go back now, not when the lease runs out
      const unstarted = rows.slice(next);
      next = rows.length;
      await this.release(unstarted, claimToken);
    }
    await lanes;
    return rows.length;
  }

  private async release(rows: OutboxRow[], claimToken: string): Promise<void> {
    try {
      const released = await this.outbox.releaseClaims(rows, claimToken);
      this.logger.log({ released, claimed: rows.length }, 'outbox worker stopping: unsent rows handed back');
    } catch (err) {
      // their lease runs out and another round takes them
      this.logger.warn({ err: errorCode(err), rows: rows.length }, 'could not hand back unsent outbox rows');
    }
  }

  private async deliver(row: OutboxRow, claimToken: string): Promise<void> {
    const cfg = this.config.outbox;
    const transport = this.transports.get(row.channel);
    const log = {
      outboxId: row.id,
      ticketId: row.ticketId,
      channel: row.channel,
      kind: row.kind,
      attempt: row.attempts,
    };
    // the batch's lease was taken at claim time and earlier rows may have used it up: renew it, and
    // leave the row alone if another worker claimed it meanwhile (it sends it; two would be a duplicate)
    let ours: boolean;
    try {
      ours = await this.outbox.renewClaim(row, claimToken, cfg.leaseSeconds);
    } catch (err) {
      this.logger.warn({ ...log, err: errorCode(err) }, 'could not renew an outbox claim; the row is left for a later round');
      return;
    }
    if (!ours) {
      this.logger.warn(log, 'outbox row not sent: its claim ran out before its turn and another worker holds it');
      return;
    }
    let result: { externalId?: string };
    try {
      if (!transport)
        throw new OutboxUnavailableError(`no hay medio de envío configurado para el canal ${row.channel}`);
      result = await withTimeout(transport.send(row), (cfg.leaseSeconds * 1000) / 2);
    } catch (err) {
      // rounds the server could not be reached in do not count towards giving up
      const outcome = failureOutcome(err, row.attempts - row.unavailableRounds, cfg.maxAttempts);
      this.noteLinkFailure(row, err);
      const text = describe(err, row.attempts, cfg.maxAttempts, outcome);
      try {
        if (outcome === 'failed') {
          await this.outbox.markFailed(row, claimToken, text);
          this.logger.warn({ ...log, err: errorCode(err) }, 'outbox delivery failed permanently');
        } else {
          const delay = retryDelayMs(row.attempts, {
            baseMs: cfg.retryBaseMs,
            maxMs: cfg.retryMaxMs,
          });
          await this.outbox.markRetry(row, claimToken, text, delay, err instanceof OutboxUnavailableError);
          this.logger.log(
            { ...log, err: errorCode(err), retryInMs: delay },
            'outbox delivery will be retried',
          );
        }
        this.attempts.inc({ channel: row.channel, outcome });
      } catch (markErr) {
        // the lease runs out and another round takes the row again
        this.logger.warn(
          { ...log, err: errorCode(markErr) },
          'could not record a failed outbox attempt',
        );
      }
      return;
    }
    this.noteSent(row.channel);
    try {
      const recorded = await this.outbox.markSent(row, claimToken, result.externalId);
      if (!recorded) {
        // the lease ran out during the send: another worker holds the row now
        this.logger.warn(log, 'outbox delivered, but its claim had run out: another worker may send it again');
      }
      this.attempts.inc({ channel: row.channel, outcome: 'sent' });
      this.lag.observe(
        { channel: row.channel },
        Math.max(0, (Date.now() - row.createdAt.getTime()) / 1000),
      );
      this.logger.log(log, 'outbox delivered');
    } catch (err) {
      // sent but not recorded: the row is sent again after its lease, with the same Message-ID
      this.logger.warn(
        { ...log, err: errorCode(err) },
        'outbox delivered but not recorded; it will be sent again',
      );
    }
  }
}

function describe(
  err: unknown,
  attempts: number,
  maxAttempts: number,
  outcome: 'failed' | 'retry',
): string {
  const message = err instanceof Error ? err.message : String(err);
  if (outcome === 'failed' && !(err instanceof OutboxPermanentError))
    return `se dejó de intentar tras ${attempts} intentos (límite ${maxAttempts}): ${message}`;
  return message;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OutboxSendTimeoutError(`sin respuesta en ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
