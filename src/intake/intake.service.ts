import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CitizensService, ContactIdentity } from '../citizens/citizens.service';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { Attachment } from '../tickets/attachment.entity';
import { CreateTicketDto } from '../tickets/dto/ticket.dto';
import { insertMessage, insertTicketEvents } from '../tickets/ticket-writes';
import { AcknowledgementOutcome, TicketChange, TicketHooks } from '../tickets/ticket-hooks';
import { TicketWorkflowService } from '../tickets/ticket-workflow.service';
import { CAPTURE_CHANNELS } from '../tickets/ticket-channel';
import { Ticket } from '../tickets/ticket.entity';
import { TicketsService } from '../tickets/tickets.service';
import type { InboundMessage, IntakeResult } from './inbound-message';
import { decideThreading, ThreadDecision } from './thread-decision';
import { leftCodePoints } from '../common/code-points';

const MAX_BODY_CHARS = 200_000;
/** How many links down a reply to an old closed thread is followed to the ticket that continues it. */
const MAX_LINK_HOPS = 10;

/** The advisory-lock key that serialises deliveries of one external id on one channel. */
export const intakeLockKey = (channel: string, externalId: string) => `${channel}:${externalId.slice(0, 998)}`;
const stripNul = (s: string) => s.split(String.fromCharCode(0)).join('');

/**
 * The single entry point of every channel: decides new ticket, new message on an existing
 * ticket, or nothing (duplicate). Idempotent on (channel, externalId).
 */
@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);
  private readonly intakeCounter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly citizens: CitizensService,
    private readonly tickets: TicketsService,
    private readonly workflow: TicketWorkflowService,
    private readonly hooks: TicketHooks,
    metrics: MetricsService,
  ) {
    this.intakeCounter = metrics.counter('enlace_intake_messages_total', 'Inbound messages by channel and outcome', ['channel', 'outcome']);
  }

  async receive(inbound: InboundMessage): Promise<IntakeResult> {
    const result = await this.receiveOnce(inbound);
    this.count(inbound.channel, result);
    return result;
  }

  /** Call after the caller's own transaction (receiveIn) has committed. */
  count(channel: string, result: IntakeResult): void {
    this.intakeCounter.inc({ channel, outcome: result.outcome });
  }

  private async receiveOnce(inbound: InboundMessage): Promise<IntakeResult> {
    try {
      return await this.dataSource.transaction((manager) => this.receiveIn(manager, inbound));
    } catch (err) {
      // a concurrent delivery of the same message won the race: report it as the duplicate it is
      if (err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505' && /uq_messages_channel_external_id/.test(String((err as { constraint?: string }).constraint ?? err.message))) {
        const existing = await this.findExisting(this.dataSource.manager, inbound.channel, inbound.externalId);
        if (existing) return existing;
      }
      throw err;
    }
  }

  /**
   * Same as receive() but inside a transaction the caller owns (e.g. with an intake-log row).
   * `deduplicated`: the caller already holds this transaction's advisory lock on
   * intakeLockKey(channel, externalId) and found no earlier delivery (saves two round trips).
   */
  async receiveIn(manager: EntityManager, inbound: InboundMessage, options: { deduplicated?: boolean } = {}): Promise<IntakeResult> {
    const externalId = inbound.externalId.slice(0, 998);
    if (!options.deduplicated) {
      // serialise concurrent deliveries of the same external id
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [intakeLockKey(inbound.channel, externalId)]);
      const existing = await this.findExisting(manager, inbound.channel, externalId);
      if (existing) {
        this.logger.log({ channel: inbound.channel, ticketId: existing.ticketId, messageId: existing.messageId }, 'intake duplicate ignored');
        return existing;
      }
    }
    const citizen = await this.citizens.resolveContact(manager, inbound.sender);
    const text = leftCodePoints(stripNul(inbound.text ?? ''), MAX_BODY_CHARS);
    const now = inbound.receivedAt ?? new Date();

    let ticket: Ticket | null = null;
    let outcome: IntakeResult['outcome'] = 'created';
    let linkedTicketId: string | null = null;
    // the sender wrote on a duplicate merged into another citizen's ticket (their own reply to our
    // mail about the duplicate, or its folio in the subject): the survivor's thread keeps it for
    // staff, but it is not that ticket's citizen speaking
    let fromMergedDuplicate = false;
    if (inbound.threadTicketId) {
      ticket = await manager.findOne(Ticket, { where: { id: inbound.threadTicketId }, lock: { mode: 'pessimistic_write' } });
      let followedMerge = false;
      for (let hops = 0; ticket?.mergedIntoId && hops < 10; hops++) {
        followedMerge = true;
        ticket = await manager.findOne(Ticket, { where: { id: ticket.mergedIntoId }, lock: { mode: 'pessimistic_write' } });
      }
      // resolveContact follows citizen merges, and merging citizens moves their tickets: one id each
      fromMergedDuplicate = !!ticket && followedMerge && !(citizen && citizen.id === ticket.citizenId);
      if (ticket) {
        let decision: ThreadDecision = inbound.correction ? 'append' : decideThreading(ticket.status, ticket.closedAt, now, this.config.reopenWindowDays);
        // a later reply of the same citizen to the old closed thread continues the ticket an earlier
        // reply opened from it (the row lock above serialises the replies: one linked ticket)
        if (decision === 'new_linked' && citizen && citizen.id === ticket.citizenId && !inbound.fromThirdParty && !fromMergedDuplicate) {
          ({ ticket, decision } = await this.followLinkedTickets(manager, ticket, citizen.id, now));
        }
        if (decision === 'new_linked') {
          linkedTicketId = ticket.id;
          ticket = null;
          fromMergedDuplicate = false; // a ticket of their own, linked to the old one
        } else {
          outcome = 'appended';
          // automatic mail on a thread is recorded, never taken as the citizen's answer; nor is
          // anyone else's (a third party, the citizen of a merged duplicate)
          if (!inbound.automated && !inbound.fromThirdParty && !fromMergedDuplicate && (decision === 'resume' || decision === 'reopen')) {
            await this.workflow.changeStatus(manager, ticket, {
              to: 'in_progress',
              actor: 'citizen',
              actorUserId: null,
              reason: decision === 'reopen' ? 'respuesta del ciudadano a un reporte cerrado' : 'respuesta del ciudadano',
              notifyCitizen: false,
            });
          }
        }
      }
    }
    const isNew = !ticket;
    // someone other than the ticket's citizen (a neighbour in copy, the citizen of a merged
    // duplicate): staff see it, the citizen's status page and the press office do not. A merged
    // duplicate's citizen is a third party of this ticket too (thirdParty: auto-close and every
    // other reader treat it so); fromMergedDuplicate also keeps it out of our mails' threading.
    const isPublic = !inbound.fromThirdParty && !fromMergedDuplicate;
    // '' is a reply with nothing new (only the quote of our mail): kept as '', so neither the
    // citizen's page nor the thread search fall back to the quote
    const bodyNew = inbound.textNew != null ? leftCodePoints(stripNul(inbound.textNew), MAX_BODY_CHARS) : null;
    const metaAutomated = (inbound.meta as { automated?: unknown; automatic?: unknown } | undefined) ?? {};
    const searchable = isPublic && !inbound.automated && metaAutomated.automated !== true && metaAutomated.automatic !== true;
    if (!ticket) {
      const subject = stripNul(inbound.subject?.trim() || this.subjectFromText(text));
      ticket = await this.tickets.createTicket(
        manager,
        {
          subject,
          description: leftCodePoints(stripNul(inbound.textNew || text), MAX_BODY_CHARS),
          channel: inbound.channel,
          citizenId: citizen?.id ?? null,
          ...inbound.ticket,
          createdById: inbound.createdById ?? null,
          forwardedById: inbound.forwardedById ?? null,
          linkedTicketId,
          receivedAt: inbound.receivedAt,
          // the thread search of a new ticket starts with its first message (what the trigger would add)
          threadSearchText: searchable ? (bodyNew ?? text) : null,
        },
        inbound.createdById ?? null,
      );
      if (linkedTicketId) {
        outcome = 'created_linked';
        await insertTicketEvents(manager, [{ ticketId: linkedTicketId, type: 'linked', actorKind: 'citizen', data: { newFolio: ticket.folio } }]);
      }
    }

    const message = await insertMessage(manager, {
      ticketId: ticket.id,
      direction: 'inbound',
      channel: inbound.channel,
      authorCitizenId: citizen?.id ?? null,
      authorUserId: inbound.createdById ?? inbound.forwardedById ?? null,
      authorName: citizen?.name ?? inbound.sender.name ?? null,
      subject: inbound.subject ? leftCodePoints(stripNul(inbound.subject), 500) : null,
      bodyText: text,
      bodyHtml: inbound.html ? leftCodePoints(stripNul(inbound.html), MAX_BODY_CHARS) : null,
      bodyNew,
      externalId,
      public: isPublic,
      meta: {
        ...(inbound.meta ?? {}),
        ...(inbound.automated ? { automated: true } : {}),
        ...(inbound.fromThirdParty || fromMergedDuplicate ? { thirdParty: true } : {}),
        ...(fromMergedDuplicate ? { fromMergedDuplicate: true } : {}),
      },
      createdAt: now,
    });
    for (const a of inbound.attachments ?? []) {
      await manager.insert(Attachment, {
        messageId: message.id,
        filename: leftCodePoints(stripNul(a.filename || 'adjunto'), 255),
        contentType: leftCodePoints(a.contentType, 127),
        sizeBytes: String(a.size),
        sha256: a.content ? createHash('sha256').update(a.content).digest('hex') : null,
        content: a.content,
        omitted: a.content === null,
        omittedReason: a.content === null ? (a.omittedReason ?? 'omitido') : null,
        inline: a.inline ?? false,
        contentId: a.contentId ?? null,
      });
    }
    let acknowledgement: AcknowledgementOutcome | undefined;
    if (!isNew) {
      await insertTicketEvents(manager, [{ ticketId: ticket.id, type: 'message_received', actorKind: 'citizen', data: { messageId: message.id, channel: inbound.channel } }]);
      await this.hooks.emit(manager, { type: 'citizen_message', ticket, message, automated: inbound.automated ?? false, correction: inbound.correction ?? false });
    } else {
      // `automated` tells the notifiers not to acknowledge: also for a person's mail that must not be answered
      const change: TicketChange = { type: 'created', ticket, message, automated: (inbound.automated || inbound.unacknowledged) ?? false, deferDuplicateSearch: inbound.deferDuplicateSearch ?? false };
      await this.hooks.emit(manager, change);
      acknowledgement = change.acknowledgement;
    }
    this.logger.log({ channel: inbound.channel, ticketId: ticket.id, messageId: message.id, outcome }, 'intake');
    return { outcome, ticketId: ticket.id, folio: ticket.folio, messageId: message.id, ...(acknowledgement ? { acknowledgement } : {}) };
  }

  /**
   * A closed ticket's thread outside the reopen window, replied to by its own citizen: the newest
   * ticket of that citizen linked to it (following merges), when it is not rejected, takes the
   * reply; closed itself, the same rule again (reopen within the window, else its own linked
   * ticket), at most MAX_LINK_HOPS links down. Each ticket is row-locked before its linked
   * tickets are looked up, so concurrent replies decide one after the other.
   */
  private async followLinkedTickets(
    manager: EntityManager,
    start: Ticket,
    citizenId: string,
    now: Date,
  ): Promise<{ ticket: Ticket; decision: ThreadDecision }> {
    let current = start;
    const seen = new Set([start.id]);
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const rows: Array<{ id: string }> = await manager.query(
        `SELECT id FROM tickets WHERE linked_ticket_id = $1 AND citizen_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
        [current.id, citizenId],
      );
      if (!rows.length) break;
      let next = await manager.findOne(Ticket, { where: { id: String(rows[0].id) }, lock: { mode: 'pessimistic_write' } });
      for (let merges = 0; next?.mergedIntoId && merges < 10; merges++) {
        next = await manager.findOne(Ticket, { where: { id: next.mergedIntoId }, lock: { mode: 'pessimistic_write' } });
      }
      if (!next || next.mergedIntoId || seen.has(next.id) || next.citizenId !== citizenId || next.status === 'rejected') break;
      seen.add(next.id);
      current = next;
      const decision = decideThreading(current.status, current.closedAt, now, this.config.reopenWindowDays);
      if (decision !== 'new_linked') return { ticket: current, decision };
    }
    return { ticket: current, decision: 'new_linked' };
  }

  /**
   * Agent capture (phone, walk-in, counter). The same Idempotency-Key again (a retried POST) answers
   * the ticket it made; the key reused for a different report is a 409, never a dropped report.
   */
  async captureByStaff(dto: CreateTicketDto, user: AuthenticatedUser, idempotencyKey: string): Promise<IntakeResult> {
    const identities: ContactIdentity[] = [];
    if (dto.citizen?.email) identities.push({ kind: 'email', value: dto.citizen.email });
    if (dto.citizen?.phone) identities.push({ kind: 'phone', value: dto.citizen.phone });
    const inbound: InboundMessage = {
      channel: dto.channel,
      externalId: `capture:${idempotencyKey}`,
      sender: { name: dto.citizen?.name ?? null, identities },
      subject: dto.subject,
      text: dto.description,
      ticket: {
        priority: dto.priority,
        categoryId: dto.categoryId,
        areaId: dto.areaId,
        address: dto.address,
        colonia: dto.colonia,
        latitude: dto.latitude,
        longitude: dto.longitude,
        poleId: dto.poleId,
        tags: dto.tags,
      },
      createdById: user.id,
    };
    const result = await this.dataSource.transaction(async (manager) => (await this.earlierCapture(manager, inbound)) ?? this.receiveIn(manager, inbound));
    this.count(inbound.channel, result);
    return result;
  }

  /**
   * The report an Idempotency-Key already made, whatever channel it was captured on (the key is the
   * user's): the same report again is its duplicate; another one (subject, description or channel
   * differ from its first message) is a 409 naming the folio. Serialised per key, so two requests
   * with one key at once make one ticket.
   */
  private async earlierCapture(manager: EntityManager, inbound: InboundMessage): Promise<IntakeResult | null> {
    const externalId = inbound.externalId.slice(0, 998);
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`capture-key:${externalId}`]);
    const rows: Array<{ id: string; ticket_id: string; folio: string; channel: string; subject: string | null; body_text: string }> = await manager.query(
      `SELECT m.id, m.ticket_id, t.folio, m.channel, m.subject, m.body_text FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.channel = ANY($1) AND m.external_id = $2 ORDER BY m.id LIMIT 1`,
      [CAPTURE_CHANNELS, externalId],
    );
    const earlier = rows[0];
    if (!earlier) return null;
    // what receiveIn stored for this request
    const subject = inbound.subject ? leftCodePoints(stripNul(inbound.subject), 500) : null;
    const text = leftCodePoints(stripNul(inbound.text ?? ''), MAX_BODY_CHARS);
    if (earlier.channel !== inbound.channel || earlier.subject !== subject || earlier.body_text !== text) {
      throw new DomainError('CONFLICT', `This Idempotency-Key was already used for a different report (${earlier.folio}); send a new key for a new report`, {
        folio: earlier.folio,
      });
    }
    this.logger.log({ channel: inbound.channel, ticketId: earlier.ticket_id, messageId: earlier.id }, 'intake duplicate ignored');
    return { outcome: 'duplicate', ticketId: String(earlier.ticket_id), folio: earlier.folio, messageId: String(earlier.id) };
  }

  private async findExisting(manager: EntityManager, channel: string, externalId: string): Promise<IntakeResult | null> {
    const rows: Array<{ id: string; ticket_id: string; folio: string }> = await manager.query(
      `SELECT m.id, m.ticket_id, t.folio FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.channel = $1 AND m.external_id = $2`,
      [channel, externalId.slice(0, 998)],
    );
    if (!rows.length) return null;
    return { outcome: 'duplicate', ticketId: String(rows[0].ticket_id), folio: rows[0].folio, messageId: String(rows[0].id) };
  }

  private subjectFromText(text: string): string {
    const line = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
    const s = line.trim().slice(0, 120);
    return s || 'Reporte sin asunto';
  }
}
