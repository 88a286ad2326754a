import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { DomainError } from '../common/domain-error';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { parseFolio } from './folio';
import { ListTicketsQuery } from './dto/ticket.dto';
import { SOCIAL_CHANNELS } from './ticket-channel';
import { OPEN_STATUSES, STATUS_LABELS, type TicketStatus } from './ticket-status';

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

const OPEN_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`;
/** Same rule as isOverdue(): open and past a due date. */
export const OVERDUE_SQL = `(t.status IN ${OPEN_SQL} AND COALESCE(t.resolution_due_at < now() OR (t.first_responded_at IS NULL AND t.first_response_due_at < now()), false))`;

/**
 * The ticket queue: filters, accent-insensitive Spanish full text, newest first with keyset
 * pagination on (created_at, id) so deep pages cost the same as the first.
 */
@Injectable()
export class TicketListService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: ListTicketsQuery, user: AuthenticatedUser) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };

    if (user.role === 'press') where.push(`(t.channel = ANY(${p([...SOCIAL_CHANNELS])}) OR t.forwarded_by_id = ${p(user.id)})`);
    if (query.status?.length) where.push(`t.status = ANY(${p(query.status)})`);
    if (query.channel?.length) where.push(`t.channel = ANY(${p(query.channel)})`);
    if (query.priority?.length) where.push(`t.priority = ANY(${p(query.priority)})`);
    if (query.areaId) where.push(`t.area_id = ${p(query.areaId)}`);
    if (query.categoryId) where.push(`t.category_id = ${p(query.categoryId)}`);
    if (query.citizenId) where.push(`t.citizen_id = ${p(query.citizenId)}`);
    if (query.assignee === 'none') where.push(`t.assignee_id IS NULL`);
    else if (query.assignee) where.push(`t.assignee_id = ${p(query.assignee === 'me' ? user.id : query.assignee)}`);
    if (query.from) where.push(`t.created_at >= ${p(new Date(query.from))}`);
    if (query.to) where.push(`t.created_at < ${p(new Date(query.to))}`);
    if (query.overdue === true) where.push(OVERDUE_SQL);
    if (query.overdue === false) where.push(`NOT ${OVERDUE_SQL}`);
    if (query.q) {
      const folio = parseFolio(query.q);
      if (folio) {
        where.push(`t.folio = ${p(query.q.trim().toUpperCase())}`);
      } else {
        const tsq = `websearch_to_tsquery('spanish', f_unaccent(${p(query.q)}))`;
        where.push(`(t.search_vector @@ ${tsq} OR t.id IN (SELECT m.ticket_id FROM messages m WHERE m.search_vector @@ ${tsq}))`);
      }
    }
    if (query.cursor) {
      const pos = decodeCursor(query.cursor);
      if (!pos) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
      where.push(`(t.created_at, t.id) < (${p(pos.createdAt)}::timestamptz, ${p(pos.id)}::bigint)`);
    }
    const limit = query.limit ?? 25;
    const sql = `
      SELECT t.id, t.folio, t.subject, t.status, t.priority, t.channel, t.colonia,
             t.category_id, c.name AS category_name, t.area_id, a.name AS area_name,
             t.assignee_id, u.name AS assignee_name, t.created_at, t.updated_at,
             t.first_response_due_at, t.resolution_due_at, ${OVERDUE_SQL} AS overdue,
             to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
      FROM tickets t
      LEFT JOIN categories c ON c.id = t.category_id
      LEFT JOIN areas a ON a.id = t.area_id
      LEFT JOIN users u ON u.id = t.assignee_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.created_at DESC, t.id DESC
      LIMIT ${limit + 1}`;
    const rows: Row[] = await this.dataSource.query(sql, params);
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
