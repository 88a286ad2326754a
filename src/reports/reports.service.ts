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
  merged: boolean;
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
              -- the final resolution: the first move into resolved/closed after the last move out of them (a reopening)
              (SELECT e.created_at FROM ticket_events e
               WHERE e.ticket_id = t.id AND e.to_status IN ('resolved', 'closed') AND e.created_at < $2
                 AND (last_out.id IS NULL OR (e.created_at, e.id) > (last_out.created_at, last_out.id))
               ORDER BY e.created_at, e.id LIMIT 1) AS resolved_at,
              -- a duplicate merged into another ticket as of the month end (a merge reversed by then does not count)
              COALESCE(
                (SELECT e.type = 'merged' FROM ticket_events e
                 WHERE e.ticket_id = t.id AND e.type IN ('merged', 'unmerged') AND e.created_at < $2
                 ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
                t.merged_into_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN ('merged', 'unmerged'))
              ) AS merged
       FROM tickets t
       LEFT JOIN categories c ON c.id = t.category_id
       LEFT JOIN areas a ON a.id = t.area_id
       LEFT JOIN LATERAL (
         SELECT e.created_at, e.id FROM ticket_events e
         WHERE e.ticket_id = t.id AND e.created_at < $2
           AND e.from_status IN ('resolved', 'closed') AND e.to_status NOT IN ('resolved', 'closed')
         ORDER BY e.created_at DESC, e.id DESC LIMIT 1
       ) last_out ON true
       WHERE t.created_at >= $1 AND t.created_at < $2
       ORDER BY t.created_at, t.id`,
      [start, end],
    );
    // reports reopened during the month (one reopened twice counts once)
    const reopenedRows: Array<{ channel: string; forwarded: boolean }> = await this.dataSource.query(
      `SELECT t.channel, t.forwarded_by_id IS NOT NULL AS forwarded
       FROM tickets t
       WHERE EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'reopened' AND e.created_at >= $1 AND e.created_at < $2)`,
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
      mergedDuplicate: r.merged,
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
