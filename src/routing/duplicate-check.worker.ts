import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { Ticket } from '../tickets/ticket.entity';
import { DuplicateFinderService } from './duplicate-finder.service';

const POLL_MS = 2_000;
const BATCH = 20;

/**
 * Runs the duplicate search of tickets the mailbox reader and the social worker made (queued in
 * `duplicate_checks` by their creation transaction). Each batch is claimed with FOR UPDATE SKIP
 * LOCKED and removed in the same transaction that writes the `duplicates_suggested` events, so
 * several instances share the queue and a crash only repeats the batch.
 */
@Injectable()
export class DuplicateCheckWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DuplicateCheckWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  private readonly checked;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly finder: DuplicateFinderService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.checked = metrics.counter('enlace_duplicate_checks_total', 'Deferred duplicate searches run, by whether they found candidates', ['result']);
    const pending = metrics.gauge('enlace_duplicate_checks_pending', 'New tickets waiting for their duplicate search');
    metrics.onCollect(async () => {
      const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM duplicate_checks`);
      pending.set(row.n);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.backgroundWorkers) return; // BACKGROUND_WORKERS=false: another instance runs it
    this.timer = setInterval(() => void this.drain().catch((err: Error) => this.logger.error({ err: err.name }, 'duplicate checks failed')), POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Processes the queue until it is empty; concurrent calls share one run. Tests await it. */
  drain(): Promise<number> {
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      // counted once the batch has committed: a batch rolled back and run again counts once
      const results: Array<'candidates' | 'none'> = [];
      const n = await this.dataSource.transaction(async (manager) => {
        results.length = 0;
        const claimed: Array<{ ticket_id: string }> = await manager.query(
          // wrapped in a SELECT: TypeORM answers a bare DELETE … RETURNING with [rows, count]
          `WITH claimed AS (
             DELETE FROM duplicate_checks WHERE ticket_id IN (
               SELECT ticket_id FROM duplicate_checks ORDER BY ticket_id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED
             ) RETURNING ticket_id
           ) SELECT ticket_id FROM claimed`,
        );
        if (!claimed.length) return 0;
        const tickets = await manager
          .getRepository(Ticket)
          .createQueryBuilder('t')
          .select(['t.id', 't.categoryId', 't.colonia', 't.subject', 't.description', 't.mergedIntoId'])
          .where('t.id IN (:...ids)', { ids: claimed.map((c) => c.ticket_id) })
          .orderBy('t.id')
          .getMany();
        for (const ticket of tickets) {
          if (ticket.mergedIntoId) continue; // merged meanwhile: an agent already decided
          const found = await this.finder.suggest(manager, ticket);
          results.push(found ? 'candidates' : 'none');
        }
        return claimed.length;
      });
      for (const result of results) this.checked.inc({ result });
      if (!n) return total;
      total += n;
    }
    return total;
  }
}
