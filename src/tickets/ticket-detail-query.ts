import { parseFolio } from './folio';
import type { SqlRunner } from '../database/pool-runner';
import type { TicketStatus } from './ticket-status';

/**
 * The reads of a ticket's detail, as plain SQL so the API and the benchmark run the very same
 * statements. Two round trips one after the other: the ticket (with its catalog names, assignee,
 * citizen + identities and the folios it points to), then side by side its merged duplicates, its
 * thread (incl. the duplicates' messages, author names and attachments) and its events — plus, on
 * the same wave, whatever the caller must write once the ticket is known to be readable (the access
 * trail), so that write costs no round trip of its own.
 */

export interface TicketDetailRow {
  id: string;
  folio: string;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: string;
  channel: string;
  address: string | null;
  colonia: string | null;
  latitude: number | null;
  longitude: number | null;
  pole_id: string | null;
  tags: string[];
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  reopened_count: number;
  rejection_reason: string | null;
  forwarded_by_id: string | null;
  public_token: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  category_id: string | null;
  category_code: string | null;
  category_name: string | null;
  area_id: string | null;
  area_code: string | null;
  area_name: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  citizen_id: string | null;
  citizen_name: string | null;
  identities: Array<{ kind: string; value: string; handle: string | null; undeliverable: boolean }>;
  merged_into_folio: string | null;
  merged_into_status: TicketStatus | null;
  linked_folio: string | null;
}

export interface MergedRow {
  id: string;
  folio: string;
  subject: string;
  citizen_name: string | null;
  channel: string;
  forwarded_by_id: string | null;
}

export interface MessageRow {
  id: string;
  ticket_id: string;
  direction: string;
  channel: string;
  author_user_id: string | null;
  author_user_name: string | null;
  author_name: string | null;
  subject: string | null;
  body_text: string;
  body_html: string | null;
  body_new: string | null;
  public: boolean;
  delivery_state: string | null;
  delivery_attempts: number;
  delivery_error: string | null;
  meta: Record<string, unknown> | null;
  created_at: Date;
  attachments: Array<{
    id: string;
    filename: string;
    contentType: string;
    sizeBytes: number;
    omitted: boolean;
    omittedReason: string | null;
    inline: boolean;
    contentId: string | null;
  }>;
}

export interface EventRow {
  type: string;
  actor_user_id: string | null;
  actor_user_name: string | null;
  actor_kind: string;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
  data: Record<string, unknown> | null;
  created_at: Date;
}

export const TICKET_DETAIL_SQL = `
  SELECT t.id, t.folio, t.subject, t.description, t.status, t.priority, t.channel, t.address, t.colonia,
         t.latitude, t.longitude, t.pole_id, t.tags, t.first_response_due_at, t.resolution_due_at,
         t.first_responded_at, t.resolved_at, t.closed_at, t.reopened_count, t.rejection_reason,
         t.forwarded_by_id, t.public_token, t.version, t.created_at, t.updated_at,
         c.id AS category_id, c.code AS category_code, c.name AS category_name,
         a.id AS area_id, a.code AS area_code, a.name AS area_name,
         u.id AS assignee_id, u.name AS assignee_name,
         ci.id AS citizen_id, ci.name AS citizen_name,
         COALESCE((SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value, 'handle', i.handle, 'undeliverable', i.undeliverable))
                   FROM citizen_identities i WHERE i.citizen_id = ci.id), '[]') AS identities,
         mt.folio AS merged_into_folio, mt.status AS merged_into_status,
         (SELECT lt.folio FROM tickets lt WHERE lt.id = t.linked_ticket_id) AS linked_folio
  FROM tickets t
  LEFT JOIN categories c ON c.id = t.category_id
  LEFT JOIN areas a ON a.id = t.area_id
  LEFT JOIN users u ON u.id = t.assignee_id
  LEFT JOIN citizens ci ON ci.id = t.citizen_id
  LEFT JOIN tickets mt ON mt.id = t.merged_into_id
  WHERE t.folio = $1`;

export const MERGED_TICKETS_SQL = `
  SELECT d.id, d.folio, d.subject, dc.name AS citizen_name, d.channel, d.forwarded_by_id
  FROM tickets d LEFT JOIN citizens dc ON dc.id = d.citizen_id
  WHERE d.merged_into_id = $1`;

/**
 * The thread: the ticket's messages and its merged duplicates', oldest first — of a longer one, the
 * newest 1,000 (what the citizen said last matters most). A mail's attachments share its
 * transaction's timestamp: among those, the order they were stored in (ctid).
 */
export const THREAD_SQL = `
  SELECT * FROM (
  SELECT m.id, m.ticket_id, m.direction, m.channel, m.author_user_id, au.name AS author_user_name, m.author_name,
         m.subject, m.body_text, m.body_html, m.body_new, m.public, m.delivery_state, m.delivery_attempts,
         m.delivery_error, m.meta, m.created_at,
         COALESCE((SELECT json_agg(json_build_object('id', f.id, 'filename', f.filename, 'contentType', f.content_type,
                                                     'sizeBytes', f.size_bytes, 'omitted', f.omitted, 'omittedReason', f.omitted_reason,
                                                     'inline', f.inline, 'contentId', f.content_id)
                                   ORDER BY f.created_at, f.ctid)
                   FROM attachments f WHERE f.message_id = m.id), '[]') AS attachments
  FROM messages m LEFT JOIN users au ON au.id = m.author_user_id
  WHERE m.ticket_id = ANY(ARRAY(SELECT d.id FROM tickets d WHERE d.merged_into_id = $1) || $1::bigint)
  ORDER BY m.created_at DESC, m.id DESC
  LIMIT 1000) newest
  ORDER BY created_at, id`;

/** The trail, oldest first — of a longer one, the newest 1,000. */
export const EVENTS_SQL = `
  SELECT type, actor_user_id, actor_user_name, actor_kind, from_status, to_status, reason, data, created_at FROM (
  SELECT e.id, e.type, e.actor_user_id, eu.name AS actor_user_name, e.actor_kind, e.from_status, e.to_status, e.reason, e.data, e.created_at
  FROM ticket_events e LEFT JOIN users eu ON eu.id = e.actor_user_id
  WHERE e.ticket_id = $1
  ORDER BY e.created_at DESC, e.id DESC
  LIMIT 1000) newest
  ORDER BY created_at, id`;

export interface TicketDetailRows {
  ticket: TicketDetailRow;
  merged: MergedRow[];
  messages: MessageRow[];
  events: EventRow[];
}

/**
 * Reads a ticket's detail. `mayRead` decides on the ticket row, at once or with a read of its own
 * (null → not found, nothing else is read); `alongside` runs in the second wave with the thread reads (e.g. the access-trail insert).
 * The runner may be a pool: the second wave's statements then run on several connections at once.
 */
export async function fetchTicketDetail(
  run: SqlRunner,
  folio: string,
  mayRead: (ticket: TicketDetailRow) => boolean | Promise<boolean>,
  alongside?: (ticket: TicketDetailRow) => Promise<unknown>,
): Promise<TicketDetailRows | null> {
  if (!parseFolio(folio)) return null;
  const [ticket] = (await run.query(TICKET_DETAIL_SQL, [folio.toUpperCase()])) as TicketDetailRow[];
  if (!ticket || !(await mayRead(ticket))) return null;
  const [merged, messages, events] = await Promise.all([
    run.query(MERGED_TICKETS_SQL, [ticket.id]) as Promise<MergedRow[]>,
    run.query(THREAD_SQL, [ticket.id]) as Promise<MessageRow[]>,
    run.query(EVENTS_SQL, [ticket.id]) as Promise<EventRow[]>,
    alongside?.(ticket),
  ]);
  return { ticket, merged, messages, events };
}
