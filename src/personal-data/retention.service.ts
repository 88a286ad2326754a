import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { pgPoolOf } from '../database/pool-runner';
import { isTransientError, pgCode } from '../database/transient-error';
import { AnonymisationService } from './anonymisation.service';
import { loadPersonalDataSubject } from './personal-data-subject';

const LOCK_KEY = 'enlace:retention';
const BATCH = 50;
const INTERVAL_MS = 60 * 60_000;
const FIRST_RUN_MS = 60_000;
/** a citizen's transaction that lost a lock conflict is tried this many times in one run */
const MAX_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 2_000;
/** deadlock, serialization failure, lock timeout, statement timeout (a lock wait past 30 s) */
const LOCK_CONFLICTS = new Set(['40P01', '40001', '55P03', '57014']);

export interface RetentionCandidate {
  citizenId: string;
  tickets: number;
  folios: string[];
  lastClosedAt: Date | null;
}

/**
 * RETENTION_DAYS after closure, a citizen whose tickets are all closed (or rejected) for longer
 * than that is anonymised; a citizen without tickets counts from its creation. Runs hourly;
 * with several instances a run holds an advisory lock, so one instance works while the others
 * skip. Each citizen is anonymised and committed in a transaction of its own. At shutdown a run
 * stops after the citizen it is on; the next run goes on from there.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** runs under way, the hourly one or an admin's: shutdown waits for them */
  private readonly runs = new Set<Promise<unknown>>();
  private stopping = false;
  /** a run of this process is past the lock */
  private active = false;
  /** cuts a retry pause short at shutdown */
  private wakeUp: (() => void) | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly anonymisation: AnonymisationService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.retentionDays || !this.config.backgroundWorkers) return; // BACKGROUND_WORKERS=false: another instance runs it
    const tick = () => {
      this.running = this.run().catch((err: unknown) => this.logger.error({ err }, 'retention run failed'));
    };
    this.timer = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, INTERVAL_MS);
      this.timer.unref();
    }, FIRST_RUN_MS);
    this.timer.unref();
  }

  async onModuleDestroy() {
    this.stopping = true; // checked between citizens: the run under way ends after the current one
    this.wakeUp?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([this.running, ...this.runs]);
  }

  private cutoff(now: Date): Date {
    if (!this.config.retentionDays) throw new DomainError('CONFLICT', 'Retention is off: set RETENTION_DAYS to enable it');
    return new Date(now.getTime() - this.config.retentionDays * 86_400_000);
  }

  private async candidates(manager: EntityManager, cutoff: Date, limit: number, skip: string[] = []): Promise<RetentionCandidate[]> {
    const rows: Array<{ id: string; tickets: number; folios: string[] | null; last_closed_at: Date | null }> = await manager.query(
      `SELECT c.id, count(t.id)::int AS tickets, array_remove(array_agg(t.folio ORDER BY t.id), NULL) AS folios,
              max(t.status_changed_at) AS last_closed_at
       FROM citizens c LEFT JOIN tickets t ON t.citizen_id = c.id
       WHERE c.anonymised_at IS NULL AND c.merged_into_id IS NULL AND NOT (c.id = ANY($3::uuid[]))
       GROUP BY c.id
       HAVING (count(t.id) > 0 AND bool_and(t.status IN ('closed', 'rejected') AND t.status_changed_at < $1))
           OR (count(t.id) = 0 AND min(c.created_at) < $1)
       ORDER BY max(t.status_changed_at) NULLS FIRST, c.id
       LIMIT $2`,
      [cutoff, limit, skip],
    );
    return rows.map((r) => ({ citizenId: r.id, tickets: r.tickets, folios: r.folios ?? [], lastClosedAt: r.last_closed_at }));
  }

  /** What a run would anonymise now (admin dry run). */
  async dryRun(now = this.clock.now(), limit = 500) {
    const cutoff = this.cutoff(now);
    const due = await this.candidates(this.dataSource.manager, cutoff, limit);
    return { retentionDays: this.config.retentionDays, cutoff, count: due.length, citizens: due };
  }

  /** Anonymises everything past the retention period, citizen by citizen (until shutdown begins). */
  async run(now = this.clock.now()): Promise<{ anonymised: number; skipped: boolean }> {
    const work = this.runExclusive(now);
    this.runs.add(work);
    try {
      return await work;
    } finally {
      this.runs.delete(work);
    }
  }

  /**
   * One run at a time: in this process (the hourly one and an admin's), and across instances by a
   * session-level advisory lock held on a connection of its own for the whole run (the citizens'
   * transactions commit one by one, so no transaction can hold it). On the embedded database
   * (one process, a single backend session) the in-process guard is enough.
   */
  private async runExclusive(now: Date): Promise<{ anonymised: number; skipped: boolean }> {
    const cutoff = this.cutoff(now);
    if (this.active) return this.skipped();
    this.active = true;
    let lock: PoolClient | null = null;
    let lost: Error | null = null;
    // a checked-out pg client has no error listener of the pool's: without one, the lock
    // connection dropping between two statements would crash the process
    const onLost = (err: Error) => {
      lost = err;
      this.logger.warn('retention lock connection lost; the run stops after the current citizen');
    };
    try {
      if (this.config.databaseUrl) {
        lock = await pgPoolOf(this.dataSource).connect();
        lock.on('error', onLost);
        if (!(await this.tryLock(lock))) return this.skipped();
      }
      // without the lock another instance may start: it stops, the next run goes on
      return await this.anonymiseDue(cutoff, () => this.stopping || lost !== null);
    } finally {
      this.active = false;
      if (lock) {
        const client = lock;
        await client
          .query(`SELECT pg_advisory_unlock_all()`)
          .then(() => lost)
          .catch((err: Error) => err)
          .then((err) => {
            client.removeListener('error', onLost);
            // a broken connection is closed, not put back in the pool (the server frees its locks with it)
            client.release(err ?? undefined);
          });
      }
    }
  }

  private async tryLock(client: PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [LOCK_KEY]);
    return rows[0]?.locked === true;
  }

  private skipped(): { anonymised: number; skipped: boolean } {
    this.logger.log({ anonymised: 0 }, 'retention run skipped: another run holds the lock');
    return { anonymised: 0, skipped: true };
  }

  /**
   * Each citizen in a transaction of its own, committed before the next one is locked: the run never
   * holds one citizen's locks (its tickets) while it waits for another's — an intake holding that
   * other citizen (a mail from it) and waiting for the first one's ticket (replying on its thread)
   * would deadlock with it. What is done stays done if the run dies midway; the next run goes on.
   * A citizen whose transaction lost a lock conflict (deadlock, lock or statement timeout) is tried
   * again after the others, a few times, and else by the next run.
   */
  private async anonymiseDue(cutoff: Date, halted: () => boolean): Promise<{ anonymised: number; skipped: boolean }> {
    const reason = `Plazo de conservación vencido (${this.config.retentionDays} días después del cierre)`;
    let anonymised = 0;
    // citizens found not due after all (or failing) in this run: not picked again by the next batch
    const passedOver: string[] = [];
    // citizens whose last try lost a lock conflict → how many tries failed so far
    const retry = new Map<string, number>();
    const attempt = async (citizenId: string): Promise<void> => {
      const failures = retry.get(citizenId) ?? 0;
      retry.delete(citizenId);
      try {
        if (await this.anonymiseOne(citizenId, cutoff, reason)) {
          anonymised += 1;
          this.anonymisation.countRetention(1);
        } else {
          passedOver.push(citizenId);
        }
      } catch (err) {
        const code = pgCode(err);
        if (LOCK_CONFLICTS.has(code)) {
          if (failures + 1 < MAX_ATTEMPTS) {
            retry.set(citizenId, failures + 1);
            this.logger.warn({ citizenId, code, attempt: failures + 1 }, 'retention lost a lock conflict on a citizen; it is tried again after the others');
          } else {
            passedOver.push(citizenId);
            this.logger.warn({ citizenId, code, attempt: failures + 1 }, 'retention lost lock conflicts on a citizen; the next run tries again');
          }
          return;
        }
        // the database itself is unreachable or going away: the run stops, the next one goes on
        if (isTransientError(err)) throw err;
        passedOver.push(citizenId);
        this.logger.error({ citizenId, err }, 'retention could not anonymise a citizen; the others go on');
      }
    };

    batches: for (;;) {
      if (halted()) break;
      const due = await this.candidates(this.dataSource.manager, cutoff, BATCH, [...passedOver, ...retry.keys()]);
      for (const c of due) {
        if (halted()) break batches;
        await attempt(c.citizenId);
      }
      if (due.length < BATCH) break;
    }
    while (retry.size > 0 && !halted()) {
      await this.pause(RETRY_PAUSE_MS);
      for (const citizenId of [...retry.keys()]) {
        if (halted()) break;
        await attempt(citizenId);
      }
    }
    if (halted()) {
      this.logger.log({ anonymised }, this.stopping ? 'retention run stopped for shutdown; the next run goes on' : 'retention run stopped; the next run goes on');
      return { anonymised, skipped: false };
    }
    this.logger.log({ anonymised, passedOver: passedOver.length }, 'retention run finished');
    return { anonymised, skipped: false };
  }

  /** One citizen, in its own transaction: true when it was anonymised, false when it is not due after all. */
  private anonymiseOne(citizenId: string, cutoff: Date, reason: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.stillDue(manager, citizenId, cutoff))) return false;
      await this.anonymisation.anonymiseIn(manager, citizenId, { reason, actorUserId: null });
      return true;
    });
  }

  /** Waits before a retry; shutdown cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  /**
   * Locks the citizen — a new report on it, or a record merged into it, needs that lock too — and
   * checks again that every report of it and of the records merged into it is closed or rejected
   * since before the cutoff. The batch was chosen before the locks: an email may have arrived since.
   */
  private async stillDue(manager: EntityManager, citizenId: string, cutoff: Date): Promise<boolean> {
    const [citizen]: Array<{ created_at: Date }> = await manager.query(
      `SELECT created_at FROM citizens WHERE id = $1 AND anonymised_at IS NULL AND merged_into_id IS NULL FOR UPDATE`,
      [citizenId],
    );
    if (!citizen) return false;
    const subject = await loadPersonalDataSubject(manager, citizenId);
    if (!subject.ticketIds.length) return new Date(citizen.created_at) < cutoff;
    const [row]: Array<{ due: boolean }> = await manager.query(
      `SELECT bool_and(status IN ('closed', 'rejected') AND status_changed_at < $2) AS due FROM tickets WHERE id = ANY($1)`,
      [subject.ticketIds, cutoff],
    );
    return row.due === true;
  }
}
