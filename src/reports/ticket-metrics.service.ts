import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { MetricsService } from '../metrics/metrics.service';
import { overdueSql } from '../tickets/ticket-list-query';
import { OPEN_STATUSES } from '../tickets/ticket-status';

/**
 * Ticket gauges for Prometheus, read from the database at each scrape (so every instance reports
 * the same figures): tickets by channel, open by status, overdue, intake lag (outbox lag: OutboxMonitor).
 */
@Injectable()
export class TicketMetricsService implements OnModuleInit {
  private readonly byChannel;
  private readonly open;
  private readonly overdue;
  private readonly intakeLag;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {
    this.byChannel = metrics.gauge('enlace_tickets_total', 'Tickets created since the start, by channel of origin', ['channel']);
    this.open = metrics.gauge('enlace_tickets_open', 'Open tickets by status', ['status']);
    this.overdue = metrics.gauge('enlace_tickets_overdue', 'Open tickets past their first-response or resolution due date');
    this.intakeLag = metrics.gauge('enlace_intake_lag_seconds', 'Seconds since the newest inbound message was stored (a stalled channel shows as a growing value)');
  }

  onModuleInit() {
    this.metrics.onCollect(() => this.refresh());
  }

  async refresh(): Promise<void> {
    const channels: Array<{ channel: string; n: number }> = await this.dataSource.query(`SELECT channel, count(*)::int AS n FROM tickets GROUP BY channel`);
    this.byChannel.reset();
    for (const r of channels) this.byChannel.set({ channel: r.channel }, r.n);

    const statuses: Array<{ status: string; n: number }> = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM tickets WHERE status = ANY($1) GROUP BY status`,
      [[...OPEN_STATUSES]],
    );
    for (const s of OPEN_STATUSES) this.open.set({ status: s }, statuses.find((r) => r.status === s)?.n ?? 0);

    // at the Clock's instant, as the queue, the ticket detail and the SLA jobs judge it
    const [{ n: overdue }] = await this.dataSource.query(`SELECT count(*)::int AS n FROM tickets t WHERE ${overdueSql('$1::timestamptz')}`, [this.clock.now()]);
    this.overdue.set(overdue);

    const [{ lag }] = await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM now() - max(created_at))::float8 AS lag FROM messages WHERE direction = 'inbound'`,
    );
    this.intakeLag.set(lag === null ? 0 : Math.max(0, Number(lag)));
  }
}
