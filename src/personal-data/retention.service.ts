import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { AnonymisationService } from './anonymisation.service';

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
 * instance works while the others skip.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly anonymisation: AnonymisationService,
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private cutoff(now: Date): Date {
    if (!this.config.retentionDays) throw new DomainError('CONFLICT', 'Retention is off: set RETENTION_DAYS to enable it');
    return new Date(now.getTime() - this.config.retentionDays * 86_400_000);
  }

  private async candidates(manager: EntityManager, cutoff: Date, limit: number): Promise<RetentionCandidate[]> {
    const rows: Array<{ id: string; tickets: number; folios: string[] | null; last_closed_at: Date | null }> = await manager.query(
      `SELECT c.id, count(t.id)::int AS tickets, array_remove(array_agg(t.folio ORDER BY t.id), NULL) AS folios,
              max(t.status_changed_at) AS last_closed_at
       FROM citizens c LEFT JOIN tickets t ON t.citizen_id = c.id
       WHERE c.anonymised_at IS NULL AND c.merged_into_id IS NULL
       GROUP BY c.id
       HAVING (count(t.id) > 0 AND bool_and(t.status IN ('closed', 'rejected') AND t.status_changed_at < $1))
           OR (count(t.id) = 0 AND min(c.created_at) < $1)
       ORDER BY max(t.status_changed_at) NULLS FIRST, c.id
       LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((r) => ({ citizenId: r.id, tickets: r.tickets, folios: r.folios ?? [], lastClosedAt: r.last_closed_at }));
  }

  /** What a run would anonymise now (admin dry run). */
  async dryRun(now = new Date(), limit = 500) {
    const cutoff = this.cutoff(now);
    const due = await this.candidates(this.dataSource.manager, cutoff, limit);
    return { retentionDays: this.config.retentionDays, cutoff, count: due.length, citizens: due };
  }

  /** Anonymises everything past the retention period, batch by batch. */
  async run(now = new Date()): Promise<{ anonymised: number; skipped: boolean }> {
    const cutoff = this.cutoff(now);
    const reason = `Plazo de conservación vencido (${this.config.retentionDays} días después del cierre)`;
    let anonymised = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const [{ locked }]: Array<{ locked: boolean }> = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [LOCK_KEY]);
        if (!locked) return null;
        const due = await this.candidates(manager, cutoff, BATCH);
        for (const c of due) await this.anonymisation.anonymiseIn(manager, c.citizenId, { reason, actorUserId: null });
        return due.length;
      });
      if (batch === null) {
        this.logger.log({ anonymised }, 'retention run skipped: another instance holds the lock');
        return { anonymised, skipped: true };
      }
      anonymised += batch;
      if (batch < BATCH) break;
    }
    this.logger.log({ anonymised }, 'retention run finished');
    return { anonymised, skipped: false };
  }
}
