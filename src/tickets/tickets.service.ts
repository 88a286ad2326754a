import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { Area } from '../catalog/area.entity';
import { Category } from '../catalog/category.entity';
import { Citizen } from '../citizens/citizen.entity';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { User } from '../users/user.entity';
import { Attachment } from './attachment.entity';
import { computeDueDates } from './due-dates';
import { folioSequenceName, folioYear, formatFolio, parseFolio } from './folio';
import { Message } from './message.entity';
import { canReadTicket, canSeeMessage } from './ticket-access';
import type { TicketChannel, TicketPriority } from './ticket-channel';
import { TicketEvent } from './ticket-event.entity';
import { TicketHooks } from './ticket-hooks';
import { allowedTransitions, OPEN_STATUSES, STATUS_LABELS } from './ticket-status';
import { Ticket } from './ticket.entity';

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
}

export function isOverdue(t: Pick<Ticket, 'status' | 'resolutionDueAt' | 'firstResponseDueAt' | 'firstRespondedAt'>, now = new Date()) {
  if (!OPEN_STATUSES.includes(t.status)) return false;
  if (t.resolutionDueAt && t.resolutionDueAt < now) return true;
  return Boolean(!t.firstRespondedAt && t.firstResponseDueAt && t.firstResponseDueAt < now);
}

/** Creating tickets, reading them (detail) and locking them for a change. */
@Injectable()
export class TicketsService implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly hooks: TicketHooks,
  ) {}

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
    const now = this.clock.now();
    let category: Category | null = null;
    if (input.categoryId) {
      category = await manager.findOne(Category, { where: { id: input.categoryId } });
      if (!category) throw new DomainError('VALIDATION', 'Unknown category', [{ field: 'categoryId', errors: ['unknown category'] }]);
    }
    const areaId = input.areaId ?? category?.areaId ?? null;
    if (input.areaId && !(await manager.exists(Area, { where: { id: input.areaId } }))) {
      throw new DomainError('VALIDATION', 'Unknown area', [{ field: 'areaId', errors: ['unknown area'] }]);
    }
    const folio = await this.allocateFolio(manager, now);
    const ticket = manager.create(Ticket, {
      folio,
      subject: input.subject.slice(0, 300),
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
    const afterInsert = await this.hooks.enrich(manager, ticket);
    const saved = await manager.save(Ticket, ticket);
    await manager.insert(TicketEvent, {
      ticketId: saved.id,
      type: 'created',
      actorUserId,
      actorKind: actorUserId ? 'user' : 'citizen',
      toStatus: 'new',
      data: { channel: input.channel, ...(input.linkedTicketId ? { linkedTicketId: input.linkedTicketId } : {}) },
    });
    await afterInsert(manager, saved);
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

  /** Ticket detail: fields, citizen, thread (incl. merged duplicates), events, allowed transitions. */
  async detail(folio: string, user: AuthenticatedUser) {
    const repo = this.dataSource.getRepository(Ticket);
    const ticket = await repo
      .createQueryBuilder('t')
      .addSelect('t.publicToken')
      .leftJoinAndSelect('t.category', 'category')
      .leftJoinAndSelect('t.area', 'area')
      .leftJoinAndSelect('t.assignee', 'assignee')
      .leftJoinAndSelect('t.citizen', 'citizen')
      .leftJoinAndSelect('citizen.identities', 'identity')
      .where('t.folio = :folio', { folio: parseFolio(folio) ? folio.toUpperCase() : '' })
      .getOne();
    if (!ticket || !canReadTicket(user, ticket)) throw notFound(`Ticket ${folio}`);

    // independent reads run side by side (several pool connections; serialised on the embedded database)
    const [merged, messages, events, mergedInto, linkedTo] = await Promise.all([
      repo.find({ where: { mergedIntoId: ticket.id }, select: { id: true, folio: true, citizenId: true, subject: true } }),
      this.dataSource
        .getRepository(Message)
        .createQueryBuilder('m')
        .where('m.ticket_id = ANY(ARRAY(SELECT d.id FROM tickets d WHERE d.merged_into_id = :id) || CAST(:id AS bigint))', { id: ticket.id })
        .orderBy('m.created_at', 'ASC')
        .addOrderBy('m.id', 'ASC')
        .take(1000)
        .getMany(),
      this.dataSource.getRepository(TicketEvent).find({ where: { ticketId: ticket.id }, order: { createdAt: 'ASC', id: 'ASC' }, take: 1000 }),
      ticket.mergedIntoId ? repo.findOne({ where: { id: ticket.mergedIntoId }, select: { folio: true } }) : null,
      ticket.linkedTicketId ? repo.findOne({ where: { id: ticket.linkedTicketId }, select: { folio: true } }) : null,
    ]);
    const folioById = new Map([[ticket.id, ticket.folio], ...merged.map((m) => [m.id, m.folio] as [string, string])]);
    const visible = messages.filter((m) => canSeeMessage(user, m));
    const userIds = [...new Set([...events.map((e) => e.actorUserId), ...visible.map((m) => m.authorUserId)].filter((x): x is string => !!x))];
    const mergedCitizenIds = merged.map((m) => m.citizenId).filter((x): x is string => !!x);
    const [attachments, users, mergedCitizens] = await Promise.all([
      visible.length
        ? this.dataSource.getRepository(Attachment).find({ where: { messageId: In(visible.map((m) => m.id)) }, order: { createdAt: 'ASC' } })
        : [],
      userIds.length ? this.dataSource.getRepository(User).find({ where: { id: In(userIds) }, select: { id: true, name: true } }) : [],
      mergedCitizenIds.length ? this.dataSource.getRepository(Citizen).find({ where: { id: In(mergedCitizenIds) } }) : [],
    ]);
    const userName = new Map(users.map((u) => [u.id, u.name]));
    const isPress = user.role === 'press';

    return {
      folio: ticket.folio,
      subject: ticket.subject,
      description: ticket.description,
      status: ticket.status,
      statusLabel: STATUS_LABELS[ticket.status],
      allowedTransitions: isPress ? [] : allowedTransitions(ticket.status),
      priority: ticket.priority,
      channel: ticket.channel,
      category: ticket.category ? { id: ticket.category.id, code: ticket.category.code, name: ticket.category.name } : null,
      area: ticket.area ? { id: ticket.area.id, code: ticket.area.code, name: ticket.area.name } : null,
      assignee: ticket.assignee ? { id: ticket.assignee.id, name: ticket.assignee.name } : null,
      citizen: ticket.citizen
        ? {
            id: ticket.citizen.id,
            name: ticket.citizen.name,
            ...(isPress
              ? {}
              : {
                  identities: (ticket.citizen.identities ?? []).map((i) => ({
                    kind: i.kind,
                    value: i.value,
                    handle: i.handle,
                    undeliverable: i.undeliverable,
                  })),
                }),
          }
        : null,
      location: {
        address: ticket.address,
        colonia: ticket.colonia,
        latitude: ticket.latitude,
        longitude: ticket.longitude,
        poleId: ticket.poleId,
      },
      tags: ticket.tags,
      dueDates: { firstResponse: ticket.firstResponseDueAt, resolution: ticket.resolutionDueAt },
      overdue: isOverdue(ticket),
      firstRespondedAt: ticket.firstRespondedAt,
      resolvedAt: ticket.resolvedAt,
      closedAt: ticket.closedAt,
      rejectionReason: ticket.rejectionReason,
      reopenedCount: ticket.reopenedCount,
      mergedInto: mergedInto?.folio ?? null,
      linkedTo: linkedTo?.folio ?? null,
      mergedTickets: merged.map((m) => ({
        folio: m.folio,
        subject: m.subject,
        citizen: mergedCitizens.find((c) => c.id === m.citizenId)?.name ?? null,
      })),
      forwardedById: ticket.forwardedById,
      publicStatusToken: isPress ? undefined : ticket.publicToken,
      version: ticket.version,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      thread: visible.map((m) => ({
        id: m.id,
        folio: folioById.get(m.ticketId),
        direction: m.direction,
        channel: m.channel,
        public: m.public,
        author: m.authorUserId
          ? { kind: 'user', id: m.authorUserId, name: userName.get(m.authorUserId) ?? null }
          : m.direction === 'inbound'
            ? { kind: 'citizen', name: m.authorName }
            : { kind: 'system' },
        subject: m.subject,
        bodyText: m.bodyText,
        bodyHtml: m.bodyHtml,
        bodyNew: m.bodyNew,
        delivery: m.deliveryState ? { state: m.deliveryState, attempts: m.deliveryAttempts, lastError: m.deliveryError } : null,
        // platform reply outside its window: 'pending' until the press office answers by hand, then 'done'
        manualReply: typeof m.meta?.manualReply === 'string' ? m.meta.manualReply : null,
        attachments: attachments
          .filter((a) => a.messageId === m.id)
          .map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, sizeBytes: Number(a.sizeBytes), omitted: a.omitted, omittedReason: a.omittedReason })),
        createdAt: m.createdAt,
      })),
      events: (isPress ? events.filter((e) => e.type === 'created' || e.type === 'status_changed') : events).map((e) => ({
        type: e.type,
        actor: e.actorUserId ? { kind: 'user', id: e.actorUserId, name: userName.get(e.actorUserId) ?? null } : { kind: e.actorKind },
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        reason: isPress ? null : e.reason,
        data: isPress ? {} : e.data,
        createdAt: e.createdAt,
      })),
    };
  }
}
