import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { HealthContributors } from '../health/health-contributors';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { OPEN_STATUSES } from '../tickets/ticket-status';
import { TicketWorkflowService } from '../tickets/ticket-workflow.service';
import { Ticket } from '../tickets/ticket.entity';
import { OTHER_CATEGORY_CODE } from '../routing/other-category';
import { SlaTarget, SupervisorNotifier } from './supervisor-notifier';

const DAY_MS = 86_400_000;
const TARGET_REASONS: Record<SlaTarget, string> = {
  accept: 'Venció el plazo para aceptar el reporte',
  first_response: 'Venció el plazo de primera respuesta',
  resolution: 'Venció el plazo de atención',
};
const BATCH = 200;
/**
 * The accept target in days: the ticket's category's, else (no category) the catch-all "Otro"
 * category's, else the column default. With `c` the ticket's category and `o` Otro, both LEFT JOINed.
 */
const ACCEPT_DAYS = `COALESCE(c.accept_days, o.accept_days, 1)`;

/**
 * The two service-level jobs. Targets: *accept* (still `Recibido` after the category's accept_days;
 * a ticket without a category: those of "Otro"),
 * *first response* and *resolution* (the ticket's due dates). Both are safe with several app instances:
 * - overdue notices run under a transaction-scoped advisory lock (one instance at a time) and
 *   `sla_notifications` has one row per ticket and target, so a notice is never sent twice;
 * - auto-close locks each ticket with `FOR UPDATE SKIP LOCKED` and re-checks it, so two
 *   instances never close the same ticket twice.
 * Every `SLA_JOBS_INTERVAL_SECONDS` (0 = not scheduled; tests call the run methods), on instances
 * with BACKGROUND_WORKERS on.
 */
/**
 * No reply from the citizen since the ticket was resolved (SPEC §2: "resolved with no reply for
 * AUTO_CLOSE_DAYS"). Only inbound messages count: staff notes and replies are not inbound; automatic
 * mail (meta.automated) and a message from someone other than the ticket's citizen (meta.thirdParty,
 * kept non-public) are recorded on the thread but do not move the status, so they do not keep the
 * ticket open either.
 */
const NO_CITIZEN_REPLY_SINCE_RESOLVED = `NOT EXISTS (
  SELECT 1 FROM messages m
  WHERE m.ticket_id = t.id AND m.direction = 'inbound' AND m.created_at > t.resolved_at
    AND (m.meta->>'automated') IS DISTINCT FROM 'true'
    AND (m.meta->>'thirdParty') IS DISTINCT FROM 'true')`;

@Injectable()
export class SlaJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SlaJobsService.name);
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastRun: { at: string; notices: number; closed: number } | null = null;
  private lastError: { at: string; code: string } | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly workflow: TicketWorkflowService,
    private readonly notifier: SupervisorNotifier,
    health: HealthContributors,
  ) {
    // a detail in /health/ready; a failing job does not make the instance unready
    health.register(() => ({
      slaJobs: { status: 'up', scheduled: this.config.backgroundWorkers && this.config.slaJobsIntervalSeconds > 0, intervalSeconds: this.config.slaJobsIntervalSeconds, lastRun: this.lastRun, lastError: this.lastError },
    }));
  }

  onApplicationBootstrap() {
    const seconds = this.config.slaJobsIntervalSeconds;
    if (!seconds || !this.config.backgroundWorkers) return; // BACKGROUND_WORKERS=false: another instance runs them
    this.timer = setInterval(() => void this.tick(), seconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick() {
    if (this.running) return;
    this.running = true;
    try {
      const notices = await this.notifyOverdue();
      const closed = await this.autoClose();
      this.lastRun = { at: this.clock.now().toISOString(), notices, closed };
    } catch (err) {
      // no message: a database error can quote row values (e.g. an address), and /health/ready is public
      const code = (err as { code?: string }).code ?? (err as Error).name;
      this.lastError = { at: this.clock.now().toISOString(), code };
      this.logger.error({ code }, 'service-level jobs failed');
    } finally {
      this.running = false;
    }
  }

  /** Records and sends one notice per ticket and missed target. Returns how many were sent. */
  async notifyOverdue(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtextextended('enlace:sla-overdue', 0)) AS locked`);
      if (!locked) return 0;
      const rows: Array<{ id: string; folio: string; area_id: string | null; supervisor_email: string | null; target: SlaTarget; due_at: Date }> =
        await manager.query(
          `SELECT * FROM (
             SELECT t.id, t.folio, t.area_id, a.supervisor_email, 'accept' AS target, t.created_at + ${ACCEPT_DAYS} * interval '1 day' AS due_at
             FROM tickets t LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN categories o ON o.code = $3
               LEFT JOIN areas a ON a.id = t.area_id
             WHERE t.status = 'new' AND t.created_at + ${ACCEPT_DAYS} * interval '1 day' < $2
               AND NOT EXISTS (SELECT 1 FROM sla_notifications n WHERE n.ticket_id = t.id AND n.target = 'accept')
             UNION ALL
             SELECT t.id, t.folio, t.area_id, a.supervisor_email, 'first_response', t.first_response_due_at
             FROM tickets t LEFT JOIN areas a ON a.id = t.area_id
             WHERE t.status = ANY($1) AND t.first_responded_at IS NULL AND t.first_response_due_at < $2
               AND NOT EXISTS (SELECT 1 FROM sla_notifications n WHERE n.ticket_id = t.id AND n.target = 'first_response')
             UNION ALL
             SELECT t.id, t.folio, t.area_id, a.supervisor_email, 'resolution', t.resolution_due_at
             FROM tickets t LEFT JOIN areas a ON a.id = t.area_id
             WHERE t.status = ANY($1) AND t.resolution_due_at < $2
               AND NOT EXISTS (SELECT 1 FROM sla_notifications n WHERE n.ticket_id = t.id AND n.target = 'resolution')
           ) due ORDER BY due_at, id LIMIT ${BATCH}`,
          [[...OPEN_STATUSES], now, OTHER_CATEGORY_CODE],
        );
      let sent = 0;
      for (const r of rows) {
        const inserted: unknown[] = await manager.query(
          `INSERT INTO sla_notifications (ticket_id, target, area_id, recipient, due_at, notified_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING ticket_id`,
          [r.id, r.target, r.area_id, r.supervisor_email, r.due_at, now],
        );
        if (!inserted.length) continue;
        await manager.insert(TicketEvent, {
          ticketId: String(r.id),
          type: 'sla_overdue',
          actorKind: 'system',
          reason: TARGET_REASONS[r.target],
          data: { target: r.target, dueAt: r.due_at, areaId: r.area_id ?? undefined, supervisorNotified: r.supervisor_email !== null },
        });
        await this.notifier.notifyOverdue(manager, {
          ticketId: String(r.id),
          folio: r.folio,
          target: r.target,
          dueAt: r.due_at,
          areaId: r.area_id,
          recipient: r.supervisor_email,
        });
        sent += 1;
      }
      if (sent) this.logger.log({ count: sent }, 'overdue notices recorded');
      return sent;
    });
  }

  /**
   * Closes `resolved` tickets with no citizen reply for AUTO_CLOSE_DAYS. Returns how many.
   * Automatic mail recorded on the thread (an out-of-office answer to the "Atendido" email, a
   * bounce) is not a reply: it changes no status (SPEC §3.1) and does not keep the ticket open.
   */
  async autoClose(): Promise<number> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.autoCloseDays * DAY_MS);
    const ids: Array<{ id: string }> = await this.dataSource.query(
      // only closable ones: a ticket kept open by a citizen's message must not fill every batch
      `SELECT t.id FROM tickets t WHERE t.status = 'resolved' AND t.resolved_at <= $1 AND ${NO_CITIZEN_REPLY_SINCE_RESOLVED}
       ORDER BY t.resolved_at, t.id LIMIT ${BATCH}`,
      [cutoff],
    );
    let closed = 0;
    for (const { id } of ids) {
      const done = await this.dataSource.transaction(async (manager) => {
        const locked: unknown[] = await manager.query(
          `SELECT t.id FROM tickets t
           WHERE t.id = $1 AND t.status = 'resolved' AND t.resolved_at <= $2
             AND ${NO_CITIZEN_REPLY_SINCE_RESOLVED}
           FOR UPDATE OF t SKIP LOCKED`,
          [id, cutoff],
        );
        if (!locked.length) return false;
        const ticket = await manager.findOneOrFail(Ticket, { where: { id: String(id) } });
        await this.workflow.changeStatus(manager, ticket, {
          to: 'closed',
          actor: 'system',
          actorUserId: null,
          reason: `Cierre automático: sin respuesta del ciudadano en ${this.config.autoCloseDays} días`,
          notifyCitizen: true,
        });
        return true;
      });
      if (done) closed += 1;
    }
    if (closed) this.logger.log({ count: closed }, 'resolved tickets closed automatically');
    return closed;
  }
}
