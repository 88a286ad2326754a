import { leftCodePoints } from '../common/code-points';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { assertActiveArea } from '../catalog/area-check';
import { Category } from '../catalog/category.entity';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/domain-error';
import { pgPoolOf, poolRunner, type SqlRunner } from '../database/pool-runner';
import { AppConfig } from '../config/app-config';
import { computeDueDates } from './due-dates';
import { folioSequenceName, folioYear, formatFolio, parseFolio } from './folio';
import { canReadTicket, canSeeMessage } from './ticket-access';
import type { TicketChannel, TicketPriority } from './ticket-channel';
import { fetchTicketDetail } from './ticket-detail-query';
import { TicketHooks } from './ticket-hooks';
import { insertTicket, insertTicketEvents } from './ticket-writes';
import { allowedTransitions, OPEN_STATUSES, STATUS_LABELS } from './ticket-status';
import { Ticket } from './ticket.entity';
import { SUPERVISOR_ROLES } from '../users/user-role';

export interface NewTicketInput {
  subject: string;
  description: string;
  channel: TicketChannel;
  citizenId: string | null;
  priority?: TicketPriority;
  categoryId?: string | null;
  areaId?: string | null;
  address?: string | null;
  colonia?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  poleId?: string | null;
  tags?: string[];
  createdById?: string | null;
  forwardedById?: string | null;
  linkedTicketId?: string | null;
  /** when the report reached us (IMAP INTERNALDATE, the platform's timestamp); read later after an outage */
  receivedAt?: Date;
  /**
   * The text of the report's first message when that message is public and no automatic mail:
   * the thread search starts from it, so the message's insert trigger finds it indexed already
   * and the new row is written once (see migration 1764800001200).
   */
  threadSearchText?: string | null;
}

/** A report read late (an outage) dates from its arrival: its month, folio year and due dates. */
const MAX_BACKDATING_MS = 7 * 24 * 3600 * 1000;
export function creationInstant(receivedAt: Date | undefined, now: Date): Date {
  if (!receivedAt || Number.isNaN(receivedAt.getTime())) return now;
  const behind = now.getTime() - receivedAt.getTime();
  // never in the future, and not from long ago (a mail dragged into the inbox keeps its old date)
  return behind > 0 && behind <= MAX_BACKDATING_MS ? receivedAt : now;
}

/**
 * Points a mail's `<img src="cid:…">` at the stored inline image (SPEC §3.1, inline images): the
 * attachment's download path, fetched with the agent's credentials like any attachment. A `cid:`
 * with no stored image (omitted, or never sent) is left as it is.
 */
export function linkInlineImages(html: string, attachments: Array<{ id: string; contentId: string | null; omitted: boolean }>, folio: string): string {
  const byCid = new Map(attachments.filter((a) => a.contentId && !a.omitted).map((a) => [a.contentId!, a.id]));
  if (!byCid.size || !html.includes('cid:')) return html;
  return html.replace(/(<img\b[^>]*?\ssrc=")cid:([^"]+)"/gi, (whole, head: string, cid: string) => {
    const id = byCid.get(cid.replace(/&amp;/g, '&'));
    return id ? `${head}/api/v1/tickets/${encodeURIComponent(folio)}/attachments/${id}"` : whole;
  });
}

/**
 * Open and past a due date at `now` — the app's Clock.now(), never the process clock, so the detail
 * agrees with the queue (overdueSql) and the SLA jobs when a test moves the clock.
 */
export function isOverdue(t: Pick<Ticket, 'status' | 'resolutionDueAt' | 'firstResponseDueAt' | 'firstRespondedAt'>, now: Date) {
  if (!OPEN_STATUSES.includes(t.status)) return false;
  if (t.resolutionDueAt && t.resolutionDueAt < now) return true;
  return Boolean(!t.firstRespondedAt && t.firstResponseDueAt && t.firstResponseDueAt < now);
}

/** Creating tickets, reading them (detail) and locking them for a change. */
@Injectable()
export class TicketsService implements OnApplicationBootstrap {
  private readonly detailRunner: SqlRunner;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly hooks: TicketHooks,
  ) {
    this.detailRunner = poolRunner(pgPoolOf(dataSource));
  }

  /** Makes next year's folio sequence ahead of time, so the year's first ticket rarely has to. */
  async onApplicationBootstrap(): Promise<void> {
    const year = folioYear(this.clock.now(), this.config.cityTimeZone) + 1;
    const name = folioSequenceName(this.config.folioPrefix, year);
    await this.dataSource.transaction(async (manager) => {
      const [{ exists }] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [name]);
      if (!exists) await this.createFolioSequence(manager, name);
    });
  }

  /**
   * Next folio of the year in the city's time zone, from that year's sequence: never repeated,
   * never blocking another creation; a creation that rolls back leaves a gap.
   */
  async allocateFolio(manager: EntityManager, at: Date = new Date()): Promise<string> {
    const prefix = this.config.folioPrefix;
    const year = folioYear(at, this.config.cityTimeZone);
    const name = folioSequenceName(prefix, year);
    let [row]: Array<{ n: string | null }> = await manager.query(`SELECT nextval(to_regclass($1)) AS n`, [name]);
    if (row.n === null) {
      // the first ticket of a new year — or a sequence lost in a partial restore: never reuse a folio
      const [{ last }]: Array<{ last: string | null }> = await manager.query(
        `SELECT max(split_part(folio, '-', 3)::bigint) AS last FROM tickets WHERE folio LIKE $1`,
        [`${prefix}-${year}-%`],
      );
      await this.createFolioSequence(manager, name, Number(last ?? 0) + 1);
      [row] = await manager.query(`SELECT nextval($1::regclass) AS n`, [name]);
    }
    return formatFolio(prefix, year, Number(row.n));
  }

  /**
   * Creates a folio sequence inside the caller's transaction (the embedded database has a single
   * connection). Another instance creating it at the same moment waits for our commit and then
   * fails on the catalogue's unique key: that is "it exists", handled under a savepoint.
   */
  private async createFolioSequence(manager: EntityManager, name: string, start = 1): Promise<void> {
    await manager.query('SAVEPOINT folio_sequence');
    try {
      await manager.query(`CREATE SEQUENCE IF NOT EXISTS "${name}" AS bigint MINVALUE 1 START WITH ${Math.max(1, Math.trunc(start))}`);
      await manager.query('RELEASE SAVEPOINT folio_sequence');
    } catch (err) {
      await manager.query('ROLLBACK TO SAVEPOINT folio_sequence');
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw err;
    }
  }

  async createTicket(manager: EntityManager, input: NewTicketInput, actorUserId: string | null): Promise<Ticket> {
    const now = creationInstant(input.receivedAt, this.clock.now());
    let category: Category | null = null;
    if (input.categoryId) {
      category = await manager.findOne(Category, { where: { id: input.categoryId } });
      if (!category) throw new DomainError('VALIDATION', 'Unknown category', [{ field: 'categoryId', errors: ['unknown category'] }]);
      if (!category.active) throw new DomainError('VALIDATION', 'Inactive category', [{ field: 'categoryId', errors: [`category ${category.code} is inactive`] }]);
    }
    const areaId = input.areaId ?? category?.areaId ?? null;
    if (input.areaId) await assertActiveArea(manager, input.areaId);
    const folio = await this.allocateFolio(manager, now);
    const ticket = manager.create(Ticket, {
      folio,
      subject: leftCodePoints(input.subject, 300),
      description: input.description,
      status: 'new',
      priority: input.priority ?? 'normal',
      channel: input.channel,
      categoryId: category?.id ?? null,
      areaId,
      citizenId: input.citizenId,
      address: input.address ?? null,
      colonia: input.colonia ?? null,
      latitude: input.latitude ?? null,
      longitude: input.longitude ?? null,
      poleId: input.poleId ?? null,
      tags: input.tags ?? [],
      createdById: input.createdById ?? null,
      forwardedById: input.forwardedById ?? null,
      linkedTicketId: input.linkedTicketId ?? null,
      publicToken: randomBytes(32).toString('base64url'),
      statusChangedAt: now,
      createdAt: now,
      ...computeDueDates(now, category),
    });
    const followUps = await this.hooks.enrich(manager, ticket);
    const saved = await insertTicket(manager, ticket, input.threadSearchText ?? null);
    await insertTicketEvents(manager, [
      {
        ticketId: saved.id,
        type: 'created',
        actorUserId,
        actorKind: actorUserId ? 'user' : 'citizen',
        toStatus: 'new',
        data: { channel: input.channel, ...(input.linkedTicketId ? { linkedTicketId: input.linkedTicketId } : {}) },
        createdAt: now,
      },
      ...followUps(saved),
    ]);
    return saved;
  }

  /** Loads a ticket by folio with a row lock for the rest of the transaction. */
  async lockByFolio(manager: EntityManager, folio: string): Promise<Ticket> {
    if (!parseFolio(folio)) throw notFound(`Ticket ${folio}`);
    const ticket = await manager.findOne(Ticket, { where: { folio: folio.toUpperCase() }, lock: { mode: 'pessimistic_write' } });
    if (!ticket) throw notFound(`Ticket ${folio}`);
    return ticket;
  }

  async findByFolio(folio: string): Promise<Ticket> {
    if (!parseFolio(folio)) throw notFound(`Ticket ${folio}`);
    const ticket = await this.dataSource.getRepository(Ticket).findOne({ where: { folio: folio.toUpperCase() } });
    if (!ticket) throw notFound(`Ticket ${folio}`);
    return ticket;
  }

  /**
   * Ticket detail: fields, citizen, thread (incl. merged duplicates), events, allowed transitions.
   * `alongside` runs once the ticket is known to be readable, side by side with the thread reads
   * (the access trail uses it so its insert costs no round trip of its own).
   */
  async detail(folio: string, user: AuthenticatedUser, alongside?: (ticket: { folio: string; citizenId: string | null }) => Promise<unknown>) {
    const rows = await fetchTicketDetail(
      this.detailRunner,
      folio,
      // the survivor of a duplicate a press user forwarded: readable only when it is a ticket the
      // press office reads anyway (social). An email or phone report's thread holds what a press user
      // must not see (quoted status links with their token, signatures with phone numbers): they
      // follow it through the duplicate (`mergedIntoTicket`: folio, status, label) instead
      (t) => canReadTicket(user, { channel: t.channel, forwardedById: t.forwarded_by_id }),
      alongside ? (t) => alongside({ folio: t.folio, citizenId: t.citizen_id }) : undefined,
    );
    if (!rows) throw notFound(`Ticket ${folio}`);
    const { ticket, events } = rows;
    // a duplicate merged in is shown only to whoever may read it on its own (the press office
    // reads social tickets: an email report merged into one stays out of its view)
    const merged = rows.merged.filter((d) => canReadTicket(user, { channel: d.channel, forwardedById: d.forwarded_by_id }));
    const folioById = new Map([[ticket.id, ticket.folio], ...merged.map((m) => [m.id, m.folio] as [string, string])]);
    const visible = rows.messages.filter(
      (m) => folioById.has(m.ticket_id) && canSeeMessage(user, { direction: m.direction, authorUserId: m.author_user_id, public: m.public }),
    );
    const isPress = user.role === 'press';
    const status = ticket.status;
    const dueDates = { firstResponse: ticket.first_response_due_at, resolution: ticket.resolution_due_at };

    return {
      folio: ticket.folio,
      subject: ticket.subject,
      description: ticket.description,
      status,
      statusLabel: STATUS_LABELS[status],
      allowedTransitions: isPress ? [] : allowedTransitions(status, SUPERVISOR_ROLES.includes(user.role) ? 'supervisor' : 'staff'),
      priority: ticket.priority,
      channel: ticket.channel,
      category: ticket.category_id ? { id: ticket.category_id, code: ticket.category_code, name: ticket.category_name } : null,
      area: ticket.area_id ? { id: ticket.area_id, code: ticket.area_code, name: ticket.area_name } : null,
      assignee: ticket.assignee_id ? { id: ticket.assignee_id, name: ticket.assignee_name } : null,
      citizen: ticket.citizen_id
        ? {
            id: ticket.citizen_id,
            name: ticket.citizen_name,
            ...(isPress ? {} : { identities: ticket.identities }),
          }
        : null,
      location: {
        address: ticket.address,
        colonia: ticket.colonia,
        latitude: ticket.latitude,
        longitude: ticket.longitude,
        poleId: ticket.pole_id,
      },
      tags: ticket.tags,
      dueDates,
      overdue: isOverdue(
        {
          status,
          resolutionDueAt: dueDates.resolution,
          firstResponseDueAt: dueDates.firstResponse,
          firstRespondedAt: ticket.first_responded_at,
        },
        this.clock.now(),
      ),
      firstRespondedAt: ticket.first_responded_at,
      resolvedAt: ticket.resolved_at,
      closedAt: ticket.closed_at,
      rejectionReason: ticket.rejection_reason,
      reopenedCount: ticket.reopened_count,
      mergedInto: ticket.merged_into_folio,
      // the surviving ticket of a merged duplicate, whose status is the one to follow
      mergedIntoTicket:
        ticket.merged_into_folio && ticket.merged_into_status
          ? { folio: ticket.merged_into_folio, status: ticket.merged_into_status, statusLabel: STATUS_LABELS[ticket.merged_into_status] }
          : null,
      linkedTo: ticket.linked_folio,
      mergedTickets: merged.map((m) => ({ folio: m.folio, subject: m.subject, citizen: m.citizen_name })),
      forwardedById: ticket.forwarded_by_id,
      publicStatusToken: isPress ? undefined : ticket.public_token,
      version: ticket.version,
      createdAt: ticket.created_at,
      updatedAt: ticket.updated_at,
      thread: visible.map((m) => ({
        id: m.id,
        folio: folioById.get(m.ticket_id),
        direction: m.direction,
        channel: m.channel,
        public: m.public,
        author: m.author_user_id
          ? { kind: 'user', id: m.author_user_id, name: m.author_user_name }
          : m.direction === 'inbound'
            ? { kind: 'citizen', name: m.author_name }
            : { kind: 'system' },
        subject: m.subject,
        bodyText: m.body_text,
        bodyHtml: m.body_html ? linkInlineImages(m.body_html, m.attachments, folioById.get(m.ticket_id) ?? ticket.folio) : null,
        bodyNew: m.body_new,
        // where a press forward was seen: network, author, link, when it was posted
        forwarded: forwardedSource(m.meta, isPress),
        delivery: m.delivery_state ? { state: m.delivery_state, attempts: m.delivery_attempts, lastError: m.delivery_error } : null,
        // platform reply outside its window: 'pending' until the press office answers by hand, then 'done'
        manualReply: typeof m.meta?.manualReply === 'string' ? m.meta.manualReply : null,
        attachments: m.attachments,
        createdAt: m.created_at,
      })),
      events: (isPress ? events.filter((e) => e.type === 'created' || e.type === 'status_changed') : events).map((e) => ({
        type: e.type,
        actor: e.actor_user_id ? { kind: 'user', id: e.actor_user_id, name: e.actor_user_name } : { kind: e.actor_kind },
        fromStatus: e.from_status,
        toStatus: e.to_status,
        reason: isPress ? null : e.reason,
        data: isPress ? {} : e.data,
        createdAt: e.created_at,
      })),
    };
  }
}

export interface ForwardedSource {
  network: string | null;
  authorName: string | null;
  authorHandle: string | null;
  url: string | null;
  postedAt: string | null;
}

/** A phone number, or something holding an email address: the press office never reads them (SPEC §1, §7). */
const PHONE = /^\+?[\d\s().-]{7,}$/;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
const contactLike = (s: string) => PHONE.test(s) || EMAIL.test(s);
/** Links that carry a phone number (wa.me/52444…, api.whatsapp.com/send?phone=…). */
const PHONE_LINK = /^https?:\/\/(?:[\w-]+\.)*(?:wa\.me|whatsapp\.com)\/(?:\+?\d|send|message)/i;
const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Where a press forward was seen (messages.meta.forwarded), for the ticket's thread; null for any
 * other message. The press office's view leaves out a handle or link that is a phone number or an
 * email address (a forwarded WhatsApp author is known by their number).
 */
export function forwardedSource(meta: Record<string, unknown> | null | undefined, forPress: boolean): ForwardedSource | null {
  const f = meta?.forwarded;
  if (!f || typeof f !== 'object') return null;
  const src = f as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const handle = str(src.authorHandle);
  const url = str(src.url);
  const name = str(src.authorName);
  return {
    network: str(src.network),
    authorName: forPress && name && contactLike(name) ? null : name,
    authorHandle: forPress && handle && contactLike(handle) ? null : handle,
    url: forPress && url && (PHONE_LINK.test(url) || EMAIL.test(safeDecode(url))) ? null : url,
    postedAt: str(src.postedAt),
  };
}
