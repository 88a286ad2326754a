import { decodeCursor } from '../common/keyset-cursor';
import type { ScopedQuery, SqlRunner } from '../database/pool-runner';
import { parseFolio } from './folio';
import type { ListTicketsQuery } from './dto/ticket.dto';
import { SOCIAL_CHANNELS } from './ticket-channel';
import { OPEN_STATUSES, TICKET_STATUSES } from './ticket-status';

const quote = (values: readonly string[]) => values.map((v) => `'${v}'`).join(',');
const OPEN_SQL = `(${quote(OPEN_STATUSES)})`;

/** Same rule as isOverdue(): open and past a due date. */
export const OVERDUE_SQL = `(t.status IN ${OPEN_SQL} AND COALESCE(t.resolution_due_at < now() OR (t.first_responded_at IS NULL AND t.first_response_due_at < now()), false))`;

export interface ListViewer {
  id: string;
  role: string;
}

export class InvalidCursorError extends Error {}

/**
 * Builds the SQL of the ticket queue. Pure, so the API and the benchmark run the very same query.
 * Status values are checked against the fixed list and written as literals, so the planner can
 * prove partial-index predicates (e.g. "open tickets"); everything else is a bound parameter.
 */
export function buildTicketListQuery(
  query: ListTicketsQuery,
  viewer: ListViewer,
  opts: { candidates?: number; ids?: string[] } = {},
): { sql: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };

  if (viewer.role === 'press') where.push(`(t.channel = ANY(${p([...SOCIAL_CHANNELS])}) OR t.forwarded_by_id IS NOT NULL)`); // cameFromSocialMedia()
  if (query.status?.length) {
    const statuses = [...new Set(query.status)].filter((s) => (TICKET_STATUSES as readonly string[]).includes(s));
    where.push(`t.status IN (${quote(statuses)})`);
  }
  if (query.channel?.length) where.push(`t.channel = ANY(${p(query.channel)})`);
  if (query.priority?.length) where.push(`t.priority = ANY(${p(query.priority)})`);
  if (query.areaId) where.push(`t.area_id = ${p(query.areaId)}`);
  if (query.categoryId) where.push(`t.category_id = ${p(query.categoryId)}`);
  if (query.citizenId) where.push(`t.citizen_id = ${p(query.citizenId)}`);
  if (query.assignee === 'none') where.push(`t.assignee_id IS NULL`);
  else if (query.assignee) where.push(`t.assignee_id = ${p(query.assignee === 'me' ? viewer.id : query.assignee)}`);
  if (query.from) where.push(`t.created_at >= ${p(new Date(query.from))}`);
  if (query.to) where.push(`t.created_at < ${p(new Date(query.to))}`);
  if (query.overdue === true) where.push(OVERDUE_SQL);
  if (query.overdue === false) where.push(`NOT ${OVERDUE_SQL}`);
  if (query.q) {
    if (parseFolio(query.q)) {
      where.push(`t.folio = ${p(query.q.trim().toUpperCase())}`);
    } else {
      const tsq = `websearch_to_tsquery('spanish', f_unaccent(${p(query.q)}))`;
      where.push(`(t.search_vector @@ ${tsq} OR t.messages_search @@ ${tsq})`);
    }
  }
  if (query.cursor) {
    const pos = decodeCursor(query.cursor);
    if (!pos) throw new InvalidCursorError('invalid cursor');
    where.push(`(t.created_at, t.id) < (${p(pos.createdAt)}::timestamptz, ${p(pos.id)}::bigint)`);
  }
  const limit = query.limit ?? 25;
  if (opts.ids) where.push(`t.id = ANY(${p(opts.ids)}::bigint[])`);
  if (opts.candidates) {
    // phase 1 of a text search: every match up to a cap, in no particular order (see fetchTicketPage)
    const sql = `SELECT t.id::text AS id, to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
      FROM tickets t WHERE ${where.join(' AND ')} LIMIT ${opts.candidates + 1}`;
    return { sql, params, limit };
  }
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
  return { sql, params, limit };
}

export type { ScopedQuery, SqlRunner };

/** Phase 1 of a text search reads the GIN indexes only (bitmap scans). */
export const CANDIDATE_SETTINGS = ['enable_seqscan = off', 'enable_indexscan = off'] as const;
/** Phase 2 of a common word walks the newest-first index with the text as a filter. */
export const COMMON_WORD_SETTINGS = ['enable_bitmapscan = off'] as const;

/** Above this many matches a word is "common" and the newest-first index walk finds a page fast. */
export const SEARCH_CANDIDATE_CAP = 2000;

/**
 * One page of the queue. Plain filters are one query. A text search picks its plan from the data
 * instead of the planner's guess (which, for a word it has no statistics for, walks the whole
 * newest-first index): phase 1 collects the matches through the GIN indexes only, capped; if they
 * fit under the cap the page is the newest of them, else the word is common and the newest-first
 * index walk with the text as a filter is fast. Both steps are bounded; neither scans the table.
 */
export async function fetchTicketPage<Row>(run: SqlRunner, scoped: ScopedQuery, query: ListTicketsQuery, viewer: ListViewer) {
  const textSearch = Boolean(query.q && !parseFolio(query.q));
  if (!textSearch) {
    const built = buildTicketListQuery(query, viewer);
    return { rows: (await run.query(built.sql, built.params)) as Row[], limit: built.limit };
  }
  const phase1 = buildTicketListQuery(query, viewer, { candidates: SEARCH_CANDIDATE_CAP });
  const candidates = (await scoped(CANDIDATE_SETTINGS, phase1.sql, phase1.params)) as Array<{ id: string; cursor_ts: string }>;
  if (candidates.length <= SEARCH_CANDIDATE_CAP) {
    const newest = candidates
      .sort((a, b) => (a.cursor_ts === b.cursor_ts ? (BigInt(b.id) > BigInt(a.id) ? 1 : -1) : a.cursor_ts < b.cursor_ts ? 1 : -1))
      .slice(0, phase1.limit + 1)
      .map((c) => c.id);
    if (newest.length === 0) return { rows: [] as Row[], limit: phase1.limit };
    const page = buildTicketListQuery(query, viewer, { ids: newest });
    return { rows: (await run.query(page.sql, page.params)) as Row[], limit: page.limit };
  }
  const page = buildTicketListQuery(query, viewer);
  const rows = (await scoped(COMMON_WORD_SETTINGS, page.sql, page.params)) as Row[];
  return { rows, limit: page.limit };
}
