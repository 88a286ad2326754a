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
 * A ticket whose duplicate search fails this many times leaves the queue (logged, by id): the
 * suggestion is a help for agents, and a ticket that cannot be searched must not hold the others up.
 */
export const MAX_DUPLICATE_CHECK_ATTEMPTS = 5;
/** Seconds before the next try after `failures` failed ones: 30, 60, 120, 240 (capped at an hour). */
export const duplicateCheckRetrySeconds = (failures: number) => Math.min(30 * 2 ** Math.max(0, failures - 1), 3600);

type CheckResult = 'candidates' | 'none' | 'retry' | 'given_up';

/**
 * Runs the duplicate search of tickets the mailbox reader and the social worker made (queued in
 * `duplicate_checks` by their creation transaction). Each batch is claimed with FOR UPDATE SKIP
 * LOCKED, and each ticket's row is removed in the transaction that writes its
 * `duplicates_suggested` event, so several instances share the queue and a crash only repeats the
 * batch. Each ticket runs under its own savepoint: one whose search fails is put back with its
 * attempts counted and a later `next_attempt_at` (the others of the batch are kept), and after
 * MAX_DUPLICATE_CHECK_ATTEMPTS failures it is dropped with a warning.
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
    this.checked = metrics.counter(
      'enlace_duplicate_checks_total',
      'Deferred duplicate searches run, by result: candidates or none found; retry or given_up when the search failed',
      ['result'],
    );
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
      // counted and logged once the batch has committed: a batch rolled back and run again counts once
      const results: CheckResult[] = [];
      const failures: Array<{ ticketId: string; attempts: number; givenUp: boolean; error: string; code?: string }> = [];
      const n = await this.dataSource.transaction(async (manager) => {
        results.length = 0;
        failures.length = 0;
        const claimed: Array<{ ticket_id: string; attempts: number }> = await manager.query(
          `SELECT ticket_id, attempts FROM duplicate_checks WHERE next_attempt_at <= now()
           ORDER BY ticket_id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        if (!claimed.length) return 0;
        const tickets = await manager
          .getRepository(Ticket)
          .createQueryBuilder('t')
          .select(['t.id', 't.categoryId', 't.colonia', 't.subject', 't.description', 't.mergedIntoId'])
          .where('t.id IN (:...ids)', { ids: claimed.map((c) => c.ticket_id) })
          .getMany();
        const byId = new Map(tickets.map((t) => [String(t.id), t]));
        for (const row of claimed) {
          const ticketId = String(row.ticket_id);
          const ticket = byId.get(ticketId);
          // one ticket at a time: one whose search fails does not undo the others
          await manager.query('SAVEPOINT duplicate_check');
          try {
            // merged meanwhile: an agent already decided
            if (ticket && !ticket.mergedIntoId) results.push((await this.finder.suggest(manager, ticket)) ? 'candidates' : 'none');
            await manager.query(`DELETE FROM duplicate_checks WHERE ticket_id = $1`, [ticketId]);
            await manager.query('RELEASE SAVEPOINT duplicate_check');
          } catch (err) {
            await manager.query('ROLLBACK TO SAVEPOINT duplicate_check');
            const attempts = row.attempts + 1;
            const givenUp = attempts >= MAX_DUPLICATE_CHECK_ATTEMPTS;
            if (givenUp) {
              await manager.query(`DELETE FROM duplicate_checks WHERE ticket_id = $1`, [ticketId]);
            } else {
              await manager.query(
                `UPDATE duplicate_checks SET attempts = $2, next_attempt_at = now() + make_interval(secs => $3) WHERE ticket_id = $1`,
                [ticketId, attempts, duplicateCheckRetrySeconds(attempts)],
              );
            }
            results.push(givenUp ? 'given_up' : 'retry');
            // the error's name and code only: its message may quote the ticket's text
            const e = err as { name?: string; code?: string; driverError?: { code?: string } };
            failures.push({ ticketId, attempts, givenUp, error: e.name ?? 'Error', code: e.driverError?.code ?? e.code });
          }
        }
        return claimed.length;
      });
      for (const result of results) this.checked.inc({ result });
      for (const f of failures) {
        this.logger.warn(
          { ticketId: f.ticketId, attempts: f.attempts, givenUp: f.givenUp, error: f.error, code: f.code },
          f.givenUp ? 'duplicate search failed too often; the ticket leaves the queue without suggestions' : 'duplicate search failed; it will be tried again',
        );
      }
      if (!n) return total;
      total += n;
    }
    return total;
  }
}
