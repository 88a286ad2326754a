import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { AccessLogQuery } from './dto/personal-data.dto';
import type { PersonalDataAccessAction } from './personal-data-access.entity';
import type { PersonalDataRef } from './record-personal-data-access';

@Injectable()
export class AccessTrailService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(userId: string, action: PersonalDataAccessAction, refs: PersonalDataRef[], requestId: string | null): Promise<void> {
    const unique = [...new Map(refs.map((r) => [`${r.citizenId}|${r.folio ?? ''}`, r])).values()];
    if (!unique.length) return;
    await this.dataSource.query(
      `INSERT INTO personal_data_access (user_id, citizen_id, action, folio, request_id)
       SELECT $1, x.citizen_id, $2, x.folio, $3 FROM unnest($4::uuid[], $5::varchar[]) AS x(citizen_id, folio)`,
      [userId, action, requestId?.slice(0, 64) ?? null, unique.map((r) => r.citizenId), unique.map((r) => r.folio ?? null)],
    );
  }

  /** Newest first, keyset-paginated; filters by citizen, user, action and dates. */
  async list(query: AccessLogQuery) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.citizenId) where.push(`a.citizen_id = ${p(query.citizenId)}`);
    if (query.userId) where.push(`a.user_id = ${p(query.userId)}`);
    if (query.action) where.push(`a.action = ${p(query.action)}`);
    if (query.from) where.push(`a.created_at >= ${p(new Date(query.from))}`);
    if (query.to) where.push(`a.created_at < ${p(new Date(query.to))}`);
    if (query.cursor) {
      const pos = decodeCursor(query.cursor);
      if (!pos) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
      where.push(`(a.created_at, a.id) < (${p(pos.createdAt)}::timestamptz, ${p(pos.id)}::bigint)`);
    }
    const limit = query.limit ?? 50;
    const rows: Array<Record<string, unknown> & { id: string; cursor_ts: string }> = await this.dataSource.query(
      `SELECT a.id, a.action, a.citizen_id, a.folio, a.request_id, a.created_at, a.user_id, u.name AS user_name, u.role AS user_role,
              to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
       FROM personal_data_access a JOIN users u ON u.id = a.user_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        at: r.created_at,
        action: r.action,
        citizenId: r.citizen_id,
        folio: r.folio,
        requestId: r.request_id,
        user: { id: r.user_id, name: r.user_name, role: r.user_role },
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.cursor_ts, id: String(last.id) }) : null,
    };
  }
}
