import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { AnonymisationService } from './anonymisation.service';
import { loadPersonalDataSubject } from './personal-data-subject';

const LOCK_KEY = 'enlace:retention';
const BATCH = 50;
const INTERVAL_MS = 60 * 60_000;
const FIRST_RUN_MS = 60_000;

export interface RetentionCandidate {
  citizenId: string;
  tickets: number;
  folios: string[];
  lastClosedAt: Date | null;
}

/**
 * RETENTION_DAYS after closure, a citizen whose tickets are all closed (or rejected) for longer
 * than that is anonymised; a citizen without tickets counts from its creation. Runs hourly;
 * with several instances each batch runs under a transaction-scoped advisory lock, so one
 * instance works while the others skip. At shutdown a run stops after the citizen it is on (what
 * is done commits); the next run goes on from there.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** runs under way, the hourly one or an admin's: shutdown waits for them */
  private readonly runs = new Set<Promise<unknown>>();
  private stopping = false;

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

  /** Anonymises everything past the retention period, batch by batch (until shutdown begins). */
  async run(now = this.clock.now()): Promise<{ anonymised: number; skipped: boolean }> {
    const work = this.runBatches(now);
    this.runs.add(work);
    try {
      return await work;
    } finally {
      this.runs.delete(work);
    }
  }

  private async runBatches(now: Date): Promise<{ anonymised: number; skipped: boolean }> {
    const cutoff = this.cutoff(now);
    const reason = `Plazo de conservación vencido (${this.config.retentionDays} días después del cierre)`;
    let anonymised = 0;
    // citizens found not due after all (or failing) in this run: not picked again by the next batch
    const passedOver: string[] = [];
    for (;;) {
      if (this.stopping) break;
      const batch = await this.dataSource.transaction(async (manager) => {
        const [{ locked }]: Array<{ locked: boolean }> = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [LOCK_KEY]);
        if (!locked) return null;
        const due = await this.candidates(manager, cutoff, BATCH, passedOver);
        let done = 0;
        for (const c of due) {
          if (this.stopping) return { picked: due.length, done, stopped: true };
          // one citizen at a time: one that fails does not undo the others
          await manager.query('SAVEPOINT citizen');
          try {
            if (await this.stillDue(manager, c.citizenId, cutoff)) {
              await this.anonymisation.anonymiseIn(manager, c.citizenId, { reason, actorUserId: null });
              done += 1;
            } else {
              passedOver.push(c.citizenId);
            }
            await manager.query('RELEASE SAVEPOINT citizen');
          } catch (err) {
            await manager.query('ROLLBACK TO SAVEPOINT citizen');
            passedOver.push(c.citizenId);
            this.logger.error({ citizenId: c.citizenId, err }, 'retention could not anonymise a citizen; the others go on');
          }
        }
        return { picked: due.length, done, stopped: false };
      });
      if (batch === null) {
        this.logger.log({ anonymised }, 'retention run skipped: another instance holds the lock');
        return { anonymised, skipped: true };
      }
      anonymised += batch.done;
      this.anonymisation.countRetention(batch.done);
      if (batch.stopped || batch.picked < BATCH) break;
    }
    if (this.stopping) {
      this.logger.log({ anonymised }, 'retention run stopped for shutdown; the next run goes on');
      return { anonymised, skipped: false };
    }
    this.logger.log({ anonymised, passedOver: passedOver.length }, 'retention run finished');
    return { anonymised, skipped: false };
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
