import { decodeCursor } from '../common/keyset-cursor';
import type { ScopedQuery, SqlRunner } from '../database/pool-runner';
import { localWallClock } from '../reports/month-bounds';
import { normalizeEmail, phoneTyped } from '../citizens/normalize-contact';
import { folioYear } from './folio';
import type { ListTicketsQuery } from './dto/ticket.dto';
import { SOCIAL_CHANNELS } from './ticket-channel';
import { OPEN_STATUSES, TICKET_STATUSES } from './ticket-status';

const quote = (values: readonly string[]) => values.map((v) => `'${v}'`).join(',');
const OPEN_SQL = `(${quote(OPEN_STATUSES)})`;

/**
 * Same rule as isOverdue(): open and past a due date at the instant `at` — a bound parameter
 * (`$n`) holding the app's Clock.now(), the clock the SLA jobs and the workflow stamps use, so the
 * queue, the ticket detail and the overdue notices agree (also when a test moves the clock).
 */
export function overdueSql(at: string): string {
  return `(t.status IN ${OPEN_SQL} AND COALESCE(t.resolution_due_at < ${at} OR (t.first_responded_at IS NULL AND t.first_response_due_at < ${at}), false))`;
}

export interface ListViewer {
  id: string;
  role: string;
}

export class InvalidCursorError extends Error {}

/** The city's zone when the caller gives none (callers should pass config.cityTimeZone): AppConfig's default for TZ_CITY. */
export const DEFAULT_CITY_TIME_ZONE = 'America/Mexico_City';
/** The folio prefix when the caller gives none (callers should pass config.folioPrefix): AppConfig's default for FOLIO_PREFIX. */
export const DEFAULT_FOLIO_PREFIX = 'SLP';
/** A bare six-digit folio number is looked up in every year from this one to the current one. */
export const FIRST_FOLIO_YEAR = 2000;

/**
 * What the queue's `q` asks for:
 * - folios: a folio with or without its prefix, with or without the zeros of its number, in any
 *   case, with or without a leading `#` (`SLP-2025-000001`, `slp-2025-1`, `2025-000001`, `2025-1`),
 *   or a bare six-digit number (`000001`: that number in every year). A bare year (`2025`) or a
 *   shorter number (`15`, a house number as often as a folio) stays a text search;
 * - a citizen: an email address, or a phone number as agents type it (`444 123 4567`,
 *   `(444) 123-4567`, `+52 444 123 4567`): that citizen's tickets (their emails, or their phones
 *   and WhatsApp numbers), whichever record of a merged person the contact is on;
 * - words: everything else (names too: a citizen's name is not in the ticket search).
 */
export type TicketSearch =
  | { kind: 'folio'; folios: string[] }
  | { kind: 'contact'; identityKinds: string[]; value: string }
  | { kind: 'text'; text: string };

const FULL_FOLIO = /^([A-Z]{2,6})-(\d{4})-(\d{1,12})$/;
const PREFIXLESS_FOLIO = /^(\d{4})-(\d{1,12})$/;
const BARE_FOLIO_NUMBER = /^\d{6}$/;

/** The number part of a folio as printed: at least six digits, zero-padded. */
const folioNumber = (digits: string) => digits.replace(/^0+(?=\d)/, '').padStart(6, '0');

export function classifySearch(q: string, folioPrefix: string, now: Date, timeZone: string): TicketSearch {
  const value = q.trim();
  const bare = value.replace(/^#\s*/, '').toUpperCase();
  let m = FULL_FOLIO.exec(bare);
  if (m) return { kind: 'folio', folios: [`${m[1]}-${m[2]}-${folioNumber(m[3])}`] };
  m = PREFIXLESS_FOLIO.exec(bare);
  if (m) return { kind: 'folio', folios: [`${folioPrefix}-${m[1]}-${folioNumber(m[2])}`] };
  if (BARE_FOLIO_NUMBER.test(bare)) {
    const folios: string[] = [];
    for (let year = folioYear(now, timeZone); year >= FIRST_FOLIO_YEAR; year--) folios.push(`${folioPrefix}-${year}-${bare}`);
    return { kind: 'folio', folios };
  }
  const email = normalizeEmail(value);
  if (email) return { kind: 'contact', identityKinds: ['email'], value: email };
  const phone = phoneTyped(value);
  if (phone) return { kind: 'contact', identityKinds: ['phone', 'whatsapp'], value: phone };
  return { kind: 'text', text: q };
}

/** A date or date-time with no `Z` and no offset: `2026-11-26`, `2026-11-26T20:00`, `2026-11-26 20:00:00.5`, `2026-11`, `2026`. */
const LOCAL_DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?$/;

/** The UTC reading of a wall-clock time (years below 100 kept as they are, unlike Date.UTC). */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/**
 * A `from`/`to` bound of the queue as an instant. A value with `Z` or an offset is that instant; a
 * date or a date-time without one is wall-clock time in the city's zone (TZ_CITY), not UTC and not
 * the server's zone. A `to` with no time of day takes in the whole day it names (for `YYYY-MM` or
 * `YYYY`, the whole month or year): `from=2026-11-26&to=2026-11-26` is that local day.
 */
export function cityTimeBound(value: string, side: 'from' | 'to', timeZone: string): Date {
  const m = LOCAL_DATE_TIME.exec(value.trim());
  if (!m) return new Date(value);
  const [, y, mo, d, h, mi, s, frac] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (h === undefined) {
    if (side === 'from') return localWallClock(wallMs(year, month, day), timeZone);
    // the start of the next day, month or year
    return localWallClock(d ? wallMs(year, month, day + 1) : mo ? wallMs(year, month + 1, 1) : wallMs(year + 1, 0, 1), timeZone);
  }
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  return localWallClock(wallMs(year, month, day, Number(h), Number(mi), s ? Number(s) : 0, ms), timeZone);
}

/**
 * Builds the SQL of the ticket queue. Pure, so the API and the benchmark run the very same query.
 * Status values are checked against the fixed list and written as literals, so the planner can
 * prove partial-index predicates (e.g. "open tickets"); everything else is a bound parameter.
 */
export function buildTicketListQuery(
  query: ListTicketsQuery,
  viewer: ListViewer,
  opts: {
    candidates?: number;
    ids?: string[];
    /** the city's zone (config cityTimeZone) for offset-less from/to */
    timeZone?: string;
    /** the instant `overdue` is judged at: the API passes Clock.now(); the benchmark, which has no Clock, the time of the call */
    now?: Date;
    /** config folioPrefix: the prefix of a folio typed without one */
    folioPrefix?: string;
  } = {},
): { sql: string; params: unknown[]; limit: number } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const now = opts.now ?? new Date();
  let atParam: string | undefined;
  /** one parameter for every use of the instant (the filter and the column) */
  const overdue = () => overdueSql((atParam ??= `${p(now)}::timestamptz`));

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
  // the DTO takes "me"/"none" in any case (and a uuid in either case)
  const assignee = query.assignee?.toLowerCase();
  if (assignee === 'none') where.push(`t.assignee_id IS NULL`);
  else if (assignee) where.push(`t.assignee_id = ${p(assignee === 'me' ? viewer.id : assignee)}`);
  const timeZone = opts.timeZone ?? DEFAULT_CITY_TIME_ZONE;
  if (query.from) where.push(`t.created_at >= ${p(cityTimeBound(query.from, 'from', timeZone))}`);
  if (query.to) where.push(`t.created_at < ${p(cityTimeBound(query.to, 'to', timeZone))}`);
  if (query.overdue === true) where.push(overdue());
  if (query.overdue === false) where.push(`NOT ${overdue()}`);
  if (query.q) {
    const search = classifySearch(query.q, opts.folioPrefix ?? DEFAULT_FOLIO_PREFIX, now, timeZone);
    if (search.kind === 'folio') {
      where.push(search.folios.length === 1 ? `t.folio = ${p(search.folios[0])}` : `t.folio = ANY(${p(search.folios)}::text[])`);
    } else if (search.kind === 'contact') {
      // the record holding the contact and the ones it was merged into (a merge moves the
      // tickets to the survivor; one the contact's owner made later stays on that record)
      where.push(`t.citizen_id IN (
        WITH RECURSIVE owner(id, merged_into_id) AS (
          SELECT c.id, c.merged_into_id FROM citizen_identities i JOIN citizens c ON c.id = i.citizen_id
          WHERE i.kind = ANY(${p(search.identityKinds)}::text[]) AND i.value = ${p(search.value)}
          UNION
          SELECT c.id, c.merged_into_id FROM owner JOIN citizens c ON c.id = owner.merged_into_id)
        SELECT id FROM owner)`);
    } else {
      // each word in both of its indexed forms (accents before or after the stemmer, migration 1764800001400)
      const tsq = `f_search_tsquery(${p(search.text)})`;
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
  const overdueColumn = overdue();
  const sql = `
      SELECT t.id, t.folio, t.subject, t.status, t.priority, t.channel, t.colonia,
             t.category_id, c.name AS category_name, t.area_id, a.name AS area_name,
             t.assignee_id, u.name AS assignee_name, t.created_at, t.updated_at,
             t.first_response_due_at, t.resolution_due_at, ${overdueColumn} AS overdue,
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
export async function fetchTicketPage<Row>(
  run: SqlRunner,
  scoped: ScopedQuery,
  query: ListTicketsQuery,
  viewer: ListViewer,
  timeZone: string = DEFAULT_CITY_TIME_ZONE,
  /** the instant `overdue` is judged at (the API: Clock.now()) */
  now: Date = new Date(),
  /** config folioPrefix */
  folioPrefix: string = DEFAULT_FOLIO_PREFIX,
) {
  const textSearch = Boolean(query.q && classifySearch(query.q, folioPrefix, now, timeZone).kind === 'text');
  if (!textSearch) {
    const built = buildTicketListQuery(query, viewer, { timeZone, now, folioPrefix });
    return { rows: (await run.query(built.sql, built.params)) as Row[], limit: built.limit };
  }
  const phase1 = buildTicketListQuery(query, viewer, { candidates: SEARCH_CANDIDATE_CAP, timeZone, now, folioPrefix });
  const candidates = (await scoped(CANDIDATE_SETTINGS, phase1.sql, phase1.params)) as Array<{ id: string; cursor_ts: string }>;
  if (candidates.length <= SEARCH_CANDIDATE_CAP) {
    const newest = candidates
      .sort((a, b) => (a.cursor_ts === b.cursor_ts ? (BigInt(b.id) > BigInt(a.id) ? 1 : -1) : a.cursor_ts < b.cursor_ts ? 1 : -1))
      .slice(0, phase1.limit + 1)
      .map((c) => c.id);
    if (newest.length === 0) return { rows: [] as Row[], limit: phase1.limit };
    const page = buildTicketListQuery(query, viewer, { ids: newest, timeZone, now, folioPrefix });
    return { rows: (await run.query(page.sql, page.params)) as Row[], limit: page.limit };
  }
  const page = buildTicketListQuery(query, viewer, { timeZone, now, folioPrefix });
  const rows = (await scoped(COMMON_WORD_SETTINGS, page.sql, page.params)) as Row[];
  return { rows, limit: page.limit };
}
