import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { TicketStatus } from '../tickets/ticket-status';
import { monthBounds } from './month-bounds';
import { buildMonthlyReport, isSocial, type MonthlyReport, type ReportScope, type ReportTicket } from './monthly-report';
import { summarize } from './report-summary';

interface Row {
  channel: string;
  forwarded: boolean;
  category_name: string | null;
  area_name: string | null;
  colonia: string | null;
  status_at_end: TicketStatus;
  created_at: Date;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
}

/** Reads the month's tickets and their events; the figures are computed in monthly-report.ts. */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async monthly(month: string, scope: ReportScope): Promise<MonthlyReport> {
    const timeZone = this.config.cityTimeZone;
    const { start, end } = monthBounds(month, timeZone);
    const rows: Row[] = await this.dataSource.query(
      `SELECT t.channel, t.forwarded_by_id IS NOT NULL AS forwarded, c.name AS category_name, a.name AS area_name, t.colonia,
              t.created_at, t.first_response_due_at, t.resolution_due_at,
              CASE WHEN t.first_responded_at < $2 THEN t.first_responded_at END AS first_responded_at,
              COALESCE(
                (SELECT e.to_status FROM ticket_events e
                 WHERE e.ticket_id = t.id AND e.to_status IS NOT NULL AND e.created_at < $2
                 ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
                'new') AS status_at_end,
              COALESCE(
                (SELECT max(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.to_status = 'resolved' AND e.created_at < $2),
                (SELECT min(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.to_status = 'closed' AND e.created_at < $2)
              ) AS resolved_at
       FROM tickets t
       LEFT JOIN categories c ON c.id = t.category_id
       LEFT JOIN areas a ON a.id = t.area_id
       WHERE t.created_at >= $1 AND t.created_at < $2
       ORDER BY t.created_at, t.id`,
      [start, end],
    );
    const reopenedRows: Array<{ channel: string; forwarded: boolean }> = await this.dataSource.query(
      `SELECT t.channel, t.forwarded_by_id IS NOT NULL AS forwarded
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.type = 'reopened' AND e.created_at >= $1 AND e.created_at < $2`,
      [start, end],
    );
    const tickets: ReportTicket[] = rows.map((r) => ({
      channel: r.channel,
      forwarded: r.forwarded,
      categoryName: r.category_name,
      areaName: r.area_name,
      colonia: r.colonia,
      statusAtMonthEnd: r.status_at_end,
      createdAt: new Date(r.created_at),
      firstRespondedAt: r.first_responded_at ? new Date(r.first_responded_at) : null,
      resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
      firstResponseDueAt: r.first_response_due_at ? new Date(r.first_response_due_at) : null,
      resolutionDueAt: r.resolution_due_at ? new Date(r.resolution_due_at) : null,
    }));
    return buildMonthlyReport({
      month,
      timeZone,
      scope,
      start,
      end,
      tickets,
      reopened: scope === 'social' ? reopenedRows.filter(isSocial).length : reopenedRows.length,
      summary: summarize,
    });
  }
}
