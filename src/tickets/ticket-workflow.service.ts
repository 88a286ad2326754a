import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { assertActiveArea } from '../catalog/area-check';
import { Category } from '../catalog/category.entity';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { leftCodePoints } from '../common/code-points';
import { User } from '../users/user.entity';
import { STAFF_ROLES, SUPERVISOR_ROLES } from '../users/user-role';
import { computeDueDates } from './due-dates';
import { AssignDto, MergeTicketDto, ReplyDto, TransitionDto, UpdateTicketDto } from './dto/ticket.dto';
import { Message } from './message.entity';
import { TicketEvent } from './ticket-event.entity';
import { TicketHooks } from './ticket-hooks';
import { canTransition, checkTransition, STATUS_LABELS, type TicketStatus, type TransitionActor } from './ticket-status';
import { Ticket } from './ticket.entity';
import { TicketsService } from './tickets.service';
import { createHash } from 'node:crypto';
import { checkUploadContent } from '../common/detect-file-type';
import { Attachment } from './attachment.entity';

/** What staff may attach: photos and PDF documents (checked by content). */
export const STAFF_ATTACHMENT_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'application/pdf'] as const;
export const MAX_STAFF_FILES = 5;

/** The part of multer's in-memory file this code uses. */
export interface StaffUpload {
  originalname: string;
  size: number;
  buffer: Buffer;
}

export interface StatusChangeOptions {
  to: TicketStatus;
  actor: TransitionActor;
  actorUserId: string | null;
  reason?: string | null;
  publicMessage?: string | null;
  notifyCitizen?: boolean;
}

/** Who may hold (be the assignee of) tickets: an active user of a staff role. */
function canHoldTickets(user: Pick<User, 'active' | 'role'>): boolean {
  return user.active && STAFF_ROLES.includes(user.role);
}

/** Every change to an existing ticket: one transaction, the row locked, an event written. */
@Injectable()
export class TicketWorkflowService {
  private readonly logger = new Logger(TicketWorkflowService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tickets: TicketsService,
    private readonly hooks: TicketHooks,
    private readonly clock: Clock,
  ) {}

  private checkVersion(ticket: Ticket, expected?: number) {
    if (expected !== undefined && expected !== ticket.version) {
      throw new DomainError('VERSION_CONFLICT', `Ticket ${ticket.folio} changed since version ${expected} (now ${ticket.version}); reload it`, {
        currentVersion: ticket.version,
      });
    }
  }

  async update(folio: string, dto: UpdateTicketDto, user: AuthenticatedUser) {
    await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      this.checkVersion(ticket, dto.expectedVersion);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const set = <K extends keyof Ticket>(key: K, value: Ticket[K] | undefined) => {
        if (value === undefined) return;
        const before = ticket[key];
        if (JSON.stringify(before) === JSON.stringify(value)) return;
        changes[key as string] = { from: before, to: value };
        ticket[key] = value;
      };
      if (dto.categoryId !== undefined && dto.categoryId !== ticket.categoryId) {
        const category = await manager.findOne(Category, { where: { id: dto.categoryId } });
        if (!category) throw new DomainError('VALIDATION', 'Unknown category', [{ field: 'categoryId', errors: ['unknown category'] }]);
        if (!category.active) throw new DomainError('VALIDATION', 'Inactive category', [{ field: 'categoryId', errors: [`category ${category.code} is inactive`] }]);
        set('categoryId', category.id);
        if (dto.areaId === undefined && category.areaId) set('areaId', category.areaId);
        const due = computeDueDates(ticket.createdAt, category);
        set('firstResponseDueAt', due.firstResponseDueAt);
        set('resolutionDueAt', due.resolutionDueAt);
      }
      if (dto.areaId !== undefined && dto.areaId !== null && dto.areaId !== ticket.areaId) await assertActiveArea(manager, dto.areaId);
      set('areaId', dto.areaId);
      set('subject', dto.subject);
      set('description', dto.description);
      set('priority', dto.priority);
      set('address', dto.address);
      set('colonia', dto.colonia);
      set('latitude', dto.latitude);
      set('longitude', dto.longitude);
      set('poleId', dto.poleId);
      set('tags', dto.tags);
      if (Object.keys(changes).length === 0) return;
      await manager.save(Ticket, ticket);
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'updated',
        actorUserId: user.id,
        data: { fields: Object.keys(changes), ...(changes.categoryId ? { categoryId: changes.categoryId } : {}), ...(changes.areaId ? { areaId: changes.areaId } : {}) },
      });
    });
    return this.tickets.detail(folio, user);
  }

  async transition(folio: string, dto: TransitionDto, user: AuthenticatedUser) {
    await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      this.checkVersion(ticket, dto.expectedVersion);
      if (dto.to === 'assigned' && canTransition(ticket.status, 'assigned')) {
        // `assigned → assigned` is the table's re-assignment, which /assign makes when the routing
        // changes; here nothing would change, so nothing is recorded and no "turnado" mail goes out
        if (ticket.status === 'assigned') {
          if (dto.message) {
            throw new DomainError('VALIDATION', `${ticket.folio} is already Turnado: this would change nothing and send nothing; write to the citizen with POST /tickets/${ticket.folio}/replies`, [
              { field: 'message', errors: ['not sent: the ticket is already assigned'] },
            ]);
          }
          return;
        }
        if (!ticket.areaId && !ticket.assigneeId) {
          throw new DomainError(
            'CONFLICT',
            `${ticket.folio} has no area and no assignee: turn it over with POST /tickets/${ticket.folio}/assign (areaId and/or assigneeId), which sets the status to assigned`,
            { from: ticket.status, to: 'assigned', areaId: null, assigneeId: null },
          );
        }
      }
      await this.changeStatus(manager, ticket, {
        to: dto.to,
        actor: SUPERVISOR_ROLES.includes(user.role) ? 'supervisor' : 'staff',
        actorUserId: user.id,
        reason: dto.reason ?? null,
        publicMessage: dto.message ?? null,
        notifyCitizen: dto.notifyCitizen ?? true,
      });
    });
    return this.tickets.detail(folio, user);
  }

  /** The one place a status changes. Checks the table, stamps dates, writes the event, emits. */
  async changeStatus(manager: EntityManager, ticket: Ticket, opts: StatusChangeOptions): Promise<void> {
    const from = ticket.status;
    const check = checkTransition(from, opts.to, opts.actor, opts.reason);
    if (!check.ok) {
      if (check.reason === 'not_allowed') {
        throw new DomainError(
          'INVALID_TRANSITION',
          `Cannot move ${ticket.folio} from ${from} to ${opts.to}; allowed: ${check.allowed.join(', ') || 'none'}`,
          { from, to: opts.to, allowed: check.allowed },
        );
      }
      if (check.reason === 'supervisor_only') {
        throw new DomainError('FORBIDDEN', `Only a supervisor may move a ticket from ${from} to ${opts.to}`);
      }
      throw new DomainError('VALIDATION', 'A reason is required to reject a ticket', [{ field: 'reason', errors: ['required when rejecting'] }]);
    }
    if ((opts.to === 'waiting_citizen' || opts.to === 'resolved') && opts.actor !== 'system' && opts.actor !== 'citizen' && !opts.publicMessage) {
      throw new DomainError('VALIDATION', `Moving to ${opts.to} needs a message for the citizen`, [
        { field: 'message', errors: [opts.to === 'waiting_citizen' ? 'the question for the citizen is required' : 'the answer for the citizen is required'] },
      ]);
    }
    const now = this.clock.now();
    ticket.status = opts.to;
    ticket.statusChangedAt = now;
    // merging a duplicate answers nobody (README: "their merge is no first response"): reversed, the
    // report is still unanswered, and overdue when its first-response target passes
    const merging = opts.to === 'rejected' && ticket.mergedIntoId != null && from !== 'rejected';
    if (from === 'new' && !ticket.firstRespondedAt && opts.actor !== 'citizen' && !merging) ticket.firstRespondedAt = now;
    if (opts.to === 'resolved') ticket.resolvedAt = now;
    if (opts.to === 'closed') ticket.closedAt = now;
    if (opts.to === 'rejected') ticket.rejectionReason = opts.reason != null ? leftCodePoints(opts.reason, 500) : null;
    if (opts.to === 'new') ticket.rejectionReason = null;
    // reversing the rejection of a merged duplicate undoes the merge: its own thread and replies again
    const unmergedFrom = from === 'rejected' && opts.to === 'new' ? ticket.mergedIntoId : null;
    if (unmergedFrom) ticket.mergedIntoId = null;
    if (from === 'closed' || (from === 'resolved' && opts.to === 'in_progress')) {
      ticket.reopenedCount += 1;
      ticket.closedAt = null;
    }
    await manager.save(Ticket, ticket);

    let publicMessage: Message | null = null;
    if (opts.publicMessage) {
      publicMessage = await manager.save(
        Message,
        manager.create(Message, {
          ticketId: ticket.id,
          direction: 'outbound',
          channel: ticket.channel,
          authorUserId: opts.actorUserId,
          bodyText: opts.publicMessage,
          public: true,
          meta: { statusChange: opts.to },
        }),
      );
    }
    const event = await manager.insert(TicketEvent, {
      ticketId: ticket.id,
      type: from === 'closed' || from === 'resolved' ? (opts.to === 'in_progress' ? 'reopened' : 'status_changed') : 'status_changed',
      actorUserId: opts.actorUserId,
      actorKind: opts.actorUserId ? 'user' : opts.actor === 'citizen' ? 'citizen' : 'system',
      fromStatus: from,
      toStatus: opts.to,
      reason: opts.reason ?? null,
      data: { label: STATUS_LABELS[opts.to], ...(publicMessage ? { messageId: publicMessage.id } : {}) },
    });
    if (unmergedFrom) {
      const [survivor] = await manager.query<Array<{ folio: string }>>(`SELECT folio FROM tickets WHERE id = $1`, [unmergedFrom]);
      await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'unmerged', actorUserId: opts.actorUserId, data: { fromFolio: survivor?.folio ?? null } });
      await manager.insert(TicketEvent, { ticketId: unmergedFrom, type: 'unmerged_from', actorUserId: opts.actorUserId, data: { folio: ticket.folio } });
    }
    await this.hooks.emit(manager, {
      type: 'status_changed',
      ticket,
      from,
      to: opts.to,
      reason: opts.reason ?? null,
      publicMessage,
      notifyCitizen: opts.notifyCitizen ?? true,
      actorUserId: opts.actorUserId,
    });
    // the question, the answer or the reason written for the citizen: like a reply, it must not look sent when nothing took it
    if (publicMessage && (opts.notifyCitizen ?? true)) await this.markUndelivered(manager, ticket, publicMessage.id, event.identifiers[0]?.id as string | undefined);
    this.logger.log({ ticketId: ticket.id, from, to: opts.to }, 'ticket status changed');
  }

  /**
   * Files staff add to a ticket, as an internal note (never shown to the citizen or the press
   * office). Each is checked by its content: images and PDF, no active content. All or nothing.
   */
  async attachFiles(folio: string, files: StaffUpload[], note: string | undefined, user: AuthenticatedUser) {
    if (!files.length) throw new DomainError('VALIDATION', 'No files', [{ field: 'files', errors: ['at least one file is required'] }]);
    const checked: Array<{ filename: string; contentType: string; content: Buffer }> = [];
    for (const [i, f] of files.entries()) {
      const check = await checkUploadContent(f.buffer, STAFF_ATTACHMENT_TYPES);
      if (!check.ok) throw new DomainError('VALIDATION', 'File not accepted', [{ field: 'files', errors: [`${i + 1}: ${check.reason}`] }]);
      const base = leftCodePoints(f.originalname.replace(/[/\\\p{Cc}]/gu, '_').replace(/\.[^.]*$/, '').trim(), 180) || `archivo-${i + 1}`;
      checked.push({ filename: `${base}.${check.ext}`, contentType: check.mime!, content: f.buffer });
    }
    const message = await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      const saved = await manager.save(
        Message,
        manager.create(Message, {
          ticketId: ticket.id,
          direction: 'note',
          channel: 'staff',
          authorUserId: user.id,
          bodyText: note?.trim() || `${checked.length === 1 ? 'Archivo adjunto' : `${checked.length} archivos adjuntos`}`,
          public: false,
        }),
      );
      for (const f of checked) {
        await manager.insert(Attachment, {
          messageId: saved.id,
          filename: f.filename,
          contentType: f.contentType,
          sizeBytes: String(f.content.length),
          sha256: createHash('sha256').update(f.content).digest('hex'),
          content: f.content,
          omitted: false,
          omittedReason: null,
          inline: false,
        });
      }
      await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'note_added', actorUserId: user.id, data: { messageId: saved.id, attachments: checked.length } });
      return saved;
    });
    this.logger.log({ messageId: message.id, files: checked.length }, 'files attached to a ticket');
    return this.tickets.detail(folio, user);
  }

  async addNote(folio: string, body: string, user: AuthenticatedUser) {
    const message = await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      const note = await manager.save(
        Message,
        manager.create(Message, { ticketId: ticket.id, direction: 'note', channel: 'staff', authorUserId: user.id, bodyText: body, public: false }),
      );
      await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'note_added', actorUserId: user.id, data: { messageId: note.id } });
      return note;
    });
    return { id: message.id, direction: message.direction, bodyText: message.bodyText, public: false, createdAt: message.createdAt };
  }

  /**
   * An agent's reply to the citizen: a public outbound message on the thread, then the `reply`
   * hook (the email notifier or a platform's sender delivers it) in the same transaction.
   */
  async reply(folio: string, dto: ReplyDto, user: AuthenticatedUser, idempotencyKey?: string) {
    const id = await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      if (idempotencyKey) {
        // the ticket row lock above serialises replies to it: a repeat sees the first one's commit
        const earlier: Array<{ id: string; body_text: string }> = await manager.query(
          `SELECT id, body_text FROM messages WHERE ticket_id = $1 AND author_user_id = $2 AND meta->>'idempotencyKey' = $3 LIMIT 1`,
          [ticket.id, user.id, idempotencyKey],
        );
        if (earlier.length) {
          if (earlier[0].body_text !== dto.body) throw new DomainError('CONFLICT', 'This Idempotency-Key was already used for a different reply on this ticket');
          return earlier[0].id;
        }
      }
      const message = await manager.save(
        Message,
        manager.create(Message, {
          ticketId: ticket.id,
          direction: 'outbound',
          channel: ticket.channel,
          authorUserId: user.id,
          bodyText: dto.body,
          public: true,
          meta: { reply: true, ...(idempotencyKey ? { idempotencyKey } : {}) },
        }),
      );
      if (!ticket.firstRespondedAt) {
        ticket.firstRespondedAt = this.clock.now(); // the clock of the due dates and the SLA jobs
        await manager.save(Ticket, ticket);
      }
      const notifyCitizen = dto.notifyCitizen ?? true;
      const event = await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'replied', actorUserId: user.id, data: { messageId: message.id, notifyCitizen } });
      await this.hooks.emit(manager, { type: 'reply', ticket, message, notifyCitizen });
      if (notifyCitizen) await this.markUndelivered(manager, ticket, message.id, event.identifiers[0]?.id as string | undefined);
      return message.id;
    });
    const m = await this.dataSource.getRepository(Message).findOneByOrFail({ id });
    return {
      id: m.id,
      direction: m.direction,
      channel: m.channel,
      public: m.public,
      subject: m.subject,
      bodyText: m.bodyText,
      delivery: m.deliveryState ? { state: m.deliveryState, attempts: m.deliveryAttempts, lastError: m.deliveryError } : null,
      createdAt: m.createdAt,
    };
  }

  /**
   * After the `reply` hook (or the `status_changed` one, for a status change's public message): a
   * message nobody took — no mail queued (no address, or only bounced ones), no platform send, not
   * handed to the press office — never reaches the citizen. The agent must see that instead of a
   * message that looks sent: it is `failed` with the reason (Spanish, shown on the thread), and its
   * event (`replied`, `status_changed`, `reopened`) says the citizen was not notified.
   */
  private async markUndelivered(manager: EntityManager, ticket: Ticket, messageId: string, eventId: string | undefined): Promise<void> {
    const [m] = await manager.query<Array<{ delivery_state: string | null; manual: boolean }>>(
      `SELECT delivery_state, meta ? 'manualReply' AS manual FROM messages WHERE id = $1`,
      [messageId],
    );
    if (!m || m.delivery_state || m.manual) return;
    const reason = await this.undeliveredReason(manager, ticket);
    await manager.query(`UPDATE messages SET delivery_state = 'failed', delivery_attempts = 0, delivery_error = $2 WHERE id = $1`, [messageId, reason]);
    if (eventId) {
      await manager.query(`UPDATE ticket_events SET data = data || $2::jsonb WHERE id = $1`, [eventId, JSON.stringify({ notifyCitizen: false, notDelivered: reason })]);
    }
    this.logger.warn({ ticketId: ticket.id, messageId }, 'message to the citizen not delivered: no way to reach them');
  }

  /** Why a message to the citizen reached nobody, for the agent (the citizen's identities, following citizen merges). */
  private async undeliveredReason(manager: EntityManager, ticket: Ticket): Promise<string> {
    if (!ticket.citizenId) return 'El reporte no tiene datos de contacto del ciudadano';
    const [c] = await manager.query<Array<{ emails: number; deliverable: number; social: number }>>(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT id, 0 FROM citizens WHERE id = $1
         UNION ALL
         SELECT c.merged_into_id, chain.depth + 1 FROM citizens c JOIN chain ON c.id = chain.id
         WHERE c.merged_into_id IS NOT NULL AND chain.depth < 10
       )
       SELECT count(*) FILTER (WHERE kind = 'email')::int AS emails,
              count(*) FILTER (WHERE kind = 'email' AND NOT undeliverable)::int AS deliverable,
              count(*) FILTER (WHERE kind NOT IN ('email', 'phone'))::int AS social
       FROM citizen_identities WHERE citizen_id IN (SELECT id FROM chain)`,
      [ticket.citizenId],
    );
    if (!c?.emails) return c?.social ? 'El ciudadano no tiene correo registrado y su red social no está ligada a este reporte' : 'El ciudadano no tiene correo ni red social registrados';
    if (!c.deliverable) {
      return `El correo del ciudadano está marcado como no entregable y ${c.social ? 'la red social del ciudadano no está ligada a este reporte' : 'el ciudadano no tiene red social registrada'}`;
    }
    return 'No se pudo preparar el correo para el ciudadano; comuníquese con él por otro medio';
  }

  /** Turn over to an area and/or a person. Agents may only take a ticket for themselves. */
  async assign(folio: string, dto: AssignDto, user: AuthenticatedUser) {
    if (dto.assigneeId === undefined && dto.areaId === undefined) {
      throw new DomainError('VALIDATION', 'Give an assignee, an area, or both', [{ field: 'assigneeId', errors: ['assigneeId or areaId required'] }]);
    }
    const isSupervisor = SUPERVISOR_ROLES.includes(user.role);
    if (!isSupervisor && dto.assigneeId !== undefined && dto.assigneeId !== user.id) {
      throw new DomainError('FORBIDDEN', 'Agents may only take tickets for themselves; a supervisor assigns to others');
    }
    await this.dataSource.transaction(async (manager) => {
      const ticket = await this.tickets.lockByFolio(manager, folio);
      this.checkVersion(ticket, dto.expectedVersion);
      // taking a ticket another person holds is re-assigning it: a supervisor's call (two agents
      // taking the same ticket at once: the row lock orders them, the second gets this 409). A holder
      // who can no longer work tickets (deactivated, or now press) would strand it: an agent may take it.
      let takenFrom: { id: string; name: string | null; reason: 'inactive' | 'not_staff' | 'unknown' } | null = null;
      if (!isSupervisor && dto.assigneeId && ticket.assigneeId && ticket.assigneeId !== dto.assigneeId) {
        const holder = await manager.findOne(User, { where: { id: ticket.assigneeId }, select: { id: true, name: true, active: true, role: true } });
        if (holder && canHoldTickets(holder)) {
          throw new DomainError(
            'CONFLICT',
            `${ticket.folio} is already assigned to ${holder.name}; only a supervisor may re-assign it`,
            { assignee: { id: ticket.assigneeId, name: holder.name }, currentVersion: ticket.version },
          );
        }
        takenFrom = { id: ticket.assigneeId, name: holder?.name ?? null, reason: !holder ? 'unknown' : !holder.active ? 'inactive' : 'not_staff' };
      }
      if (dto.assigneeId) {
        const assignee = await manager.findOne(User, { where: { id: dto.assigneeId } });
        if (!assignee || !canHoldTickets(assignee)) {
          throw new DomainError('VALIDATION', 'Unknown or inactive assignee', [{ field: 'assigneeId', errors: ['not an active staff user'] }]);
        }
      }
      if (dto.areaId && dto.areaId !== ticket.areaId) await assertActiveArea(manager, dto.areaId);
      const before = { assigneeId: ticket.assigneeId, areaId: ticket.areaId };
      if (dto.assigneeId !== undefined) ticket.assigneeId = dto.assigneeId;
      if (dto.areaId !== undefined) ticket.areaId = dto.areaId;
      // Turnado means turned over to someone: un-assigning the only person on a ticket with no area
      // would leave it out of the triage queue with nobody on it (the transitions refuse the same)
      if (ticket.status === 'assigned' && !ticket.areaId && !ticket.assigneeId) {
        throw new DomainError(
          'CONFLICT',
          `${ticket.folio} is Turnado and has no area: it cannot be left with no assignee; give an areaId (or another assigneeId) with this change, or move it with POST /tickets/${ticket.folio}/transitions`,
          { status: ticket.status, areaId: null, assigneeId: before.assigneeId, currentVersion: ticket.version },
        );
      }
      await manager.save(Ticket, ticket);
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'assigned',
        actorUserId: user.id,
        reason: dto.reason ?? null,
        data: { from: before, to: { assigneeId: ticket.assigneeId, areaId: ticket.areaId }, ...(takenFrom ? { takenFrom } : {}) },
      });
      // Turning over a new ticket (or re-assigning one already turned over) is the `assigned` status;
      // un-assigning a new ticket that has no area turns it over to nobody: it stays `new`.
      const routed = !!(ticket.areaId || ticket.assigneeId);
      if ((ticket.status === 'new' && routed) || (ticket.status === 'assigned' && (before.areaId !== ticket.areaId || before.assigneeId !== ticket.assigneeId))) {
        await this.changeStatus(manager, ticket, {
          to: 'assigned',
          actor: isSupervisor ? 'supervisor' : 'staff',
          actorUserId: user.id,
          reason: dto.reason ?? null,
          notifyCitizen: ticket.status === 'new',
        });
      }
    });
    return this.tickets.detail(folio, user);
  }

  /** A duplicate: rejected with "duplicado de <folio>", its thread shown from the survivor. */
  async merge(folio: string, dto: MergeTicketDto, user: AuthenticatedUser) {
    if (folio.toUpperCase() === dto.intoFolio.toUpperCase()) {
      throw new DomainError('VALIDATION', 'A ticket cannot be merged into itself', [{ field: 'intoFolio', errors: ['same ticket'] }]);
    }
    await this.dataSource.transaction(async (manager) => {
      // lock both rows in a fixed order so two opposite merges cannot deadlock
      const [first, second] = [folio.toUpperCase(), dto.intoFolio.toUpperCase()].sort();
      const a = await this.tickets.lockByFolio(manager, first);
      const b = await this.tickets.lockByFolio(manager, second);
      const source = a.folio === folio.toUpperCase() ? a : b;
      const target = source === a ? b : a;
      if (source.mergedIntoId) throw new DomainError('CONFLICT', `${source.folio} was already merged`);
      if (target.mergedIntoId || target.status === 'rejected') {
        throw new DomainError('CONFLICT', `${target.folio} cannot absorb duplicates (it is rejected or merged)`);
      }
      const reason = `duplicado de ${target.folio}`;
      // set before the status change, so what listens to it (the citizen's "integrado" mail) knows
      source.mergedIntoId = target.id;
      await this.changeStatus(manager, source, {
        to: 'rejected',
        actor: 'supervisor',
        actorUserId: user.id,
        reason,
        notifyCitizen: true,
      });
      await manager.save(Ticket, source);
      await manager.insert(TicketEvent, { ticketId: source.id, type: 'merged', actorUserId: user.id, reason, data: { intoFolio: target.folio } });
      await manager.insert(TicketEvent, { ticketId: target.id, type: 'merged_from', actorUserId: user.id, data: { fromFolio: source.folio } });
      // duplicates merged earlier into the source follow it: the survivor shows them (thread,
      // citizen), and no merge chain is left behind (A → B → C becomes A → C, B → C)
      const [carried] = await manager.query<[Array<{ id: string; folio: string }>, number]>(
        `UPDATE tickets SET merged_into_id = $1, version = version + 1, updated_at = now() WHERE merged_into_id = $2 RETURNING id, folio`,
        [target.id, source.id],
      );
      for (const d of carried) {
        await manager.insert(TicketEvent, { ticketId: d.id, type: 'merged', actorUserId: user.id, reason, data: { intoFolio: target.folio, via: source.folio } });
        await manager.insert(TicketEvent, { ticketId: target.id, type: 'merged_from', actorUserId: user.id, data: { fromFolio: d.folio, via: source.folio } });
      }
    });
    return this.tickets.detail(dto.intoFolio, user);
  }
}
