import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { encodeCursor } from '../common/keyset-cursor';
import { pgPoolOf, poolRunner, poolScopedQuery, type ScopedQuery, type SqlRunner } from '../database/pool-runner';
import { ListTicketsQuery } from './dto/ticket.dto';
import { fetchTicketPage, InvalidCursorError } from './ticket-list-query';
import { STATUS_LABELS, type TicketStatus } from './ticket-status';

interface Row {
  id: string;
  folio: string;
  subject: string;
  status: TicketStatus;
  priority: string;
  channel: string;
  colonia: string | null;
  category_id: string | null;
  category_name: string | null;
  area_id: string | null;
  area_name: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  created_at: Date;
  updated_at: Date;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  overdue: boolean;
  cursor_ts: string;
}

/**
 * The ticket queue: filters, a search (`q`: a folio with or without its prefix, a citizen's email
 * or phone, or accent- and plural-insensitive Spanish full text; see classifySearch), newest
 * first with keyset pagination on (created_at, id) so deep pages cost the same as the first.
 */
@Injectable()
export class TicketListService {
  private readonly run: SqlRunner;
  private readonly scoped: ScopedQuery;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    const pool = pgPoolOf(dataSource);
    this.run = poolRunner(pool);
    this.scoped = poolScopedQuery(pool);
  }

  async list(query: ListTicketsQuery, user: AuthenticatedUser) {
    let result: { rows: Row[]; limit: number };
    try {
      // `overdue` (column and filter) at the Clock's instant, as in the detail and the SLA jobs
      result = await fetchTicketPage<Row>(this.run, this.scoped, query, user, this.config.cityTimeZone, this.clock.now(), this.config.folioPrefix);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
      throw err;
    }
    const { rows, limit } = result;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        folio: r.folio,
        subject: r.subject,
        status: r.status,
        statusLabel: STATUS_LABELS[r.status],
        priority: r.priority,
        channel: r.channel,
        colonia: r.colonia,
        category: r.category_id ? { id: r.category_id, name: r.category_name } : null,
        area: r.area_id ? { id: r.area_id, name: r.area_name } : null,
        assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name } : null,
        dueDates: { firstResponse: r.first_response_due_at, resolution: r.resolution_due_at },
        overdue: r.overdue,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.cursor_ts, id: String(last.id) }) : null,
    };
  }
}
