import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { computeDueDates } from '../tickets/due-dates';
import { TicketChange, TicketChangeListener, TicketDraftEnricher, TicketHooks } from '../tickets/ticket-hooks';
import type { Ticket } from '../tickets/ticket.entity';
import type { NewTicketEvent } from '../tickets/ticket-writes';
import { DuplicateFinderService } from './duplicate-finder.service';
import { extractPoleId } from './pole-id';
import { RoutingRulesService } from './routing-rules.service';

export const TRANSPARENCY_TAG = 'transparencia';
export const TRANSPARENCY_AREA_CODE = 'unidad-de-transparencia';
const LUMINARIA_CODE = 'luminaria-apagada';
const MAX_ROUTING_TEXT = 5000;

/**
 * On every new ticket, inside its creation transaction (the routing before the row is inserted):
 * - suggests a category (keyword rules on subject + text) and records it as a `routing_suggested`
 *   event; applies it — category, its area, due dates — when the ticket has no category yet
 *   (an agent changes it with PATCH /tickets/{folio}); a ticket left without one gets the due
 *   dates of the catch-all category "Otro" (OTHER_CATEGORY_CODE), not its category;
 * - flags transparency requests (tag `transparencia` + `transparency_flagged` event) for the
 *   Unidad de Transparencia instead of routing them;
 * - lists likely duplicates (`duplicates_suggested` event) — at once for a ticket an agent or the
 *   press office creates, after the commit (DuplicateCheckWorker) for the mailbox reader's and the
 *   social worker's tickets.
 */
@Injectable()
export class TicketRoutingListener implements TicketChangeListener, TicketDraftEnricher, OnModuleInit {
  private readonly logger = new Logger(TicketRoutingListener.name);

  constructor(
    private readonly hooks: TicketHooks,
    private readonly rules: RoutingRulesService,
    private readonly duplicates: DuplicateFinderService,
  ) {}

  onModuleInit() {
    this.hooks.registerEnricher(this);
    this.hooks.register(this);
  }

  /** Keyword routing on the draft, before its insert: the row is written once, already routed. */
  async beforeInsert(manager: EntityManager, ticket: Ticket) {
    // the topic is in the subject and the first lines; a capped text keeps matching cheap on huge mails
    const text = `${ticket.subject}\n${ticket.description.slice(0, MAX_ROUTING_TEXT)}`;
    const { suggestion, category } = await this.rules.suggest(manager, text);

    if (suggestion.transparency || !category) await this.holdToOtherTargets(manager, ticket);
    if (suggestion.transparency) {
      if (!ticket.tags.includes(TRANSPARENCY_TAG)) ticket.tags = [...ticket.tags, TRANSPARENCY_TAG];
      return (saved: Ticket): NewTicketEvent[] => {
        this.logger.log({ ticketId: saved.id }, 'transparency request flagged');
        return [
          {
            ticketId: saved.id,
            type: 'transparency_flagged',
            actorKind: 'system',
            reason: 'Solicitud de información pública: canalizar a la Unidad de Transparencia',
            data: { matched: suggestion.transparencyMatched, areaCode: TRANSPARENCY_AREA_CODE },
          },
        ];
      };
    }
    if (!category || category.id === ticket.categoryId) return;
    const apply = !ticket.categoryId;
    if (apply) {
      ticket.categoryId = category.id;
      ticket.areaId = ticket.areaId ?? category.areaId;
      Object.assign(ticket, computeDueDates(ticket.createdAt, category));
      if (category.code === LUMINARIA_CODE && !ticket.poleId) ticket.poleId = extractPoleId(text);
    }
    return (saved: Ticket): NewTicketEvent[] => [
      {
        ticketId: saved.id,
        type: 'routing_suggested',
        actorKind: 'system',
        data: {
          categoryId: category.id,
          categoryCode: category.code,
          areaId: category.areaId ?? undefined,
          matched: suggestion.matched,
          score: suggestion.score,
          applied: apply,
        },
      },
    ];
  }

  /**
   * A ticket left without a category gets the due dates of the catch-all category "Otro" (SPEC §2:
   * every category, Otro too, has targets), so it is not exempt from the service levels. Only the
   * targets: the category stays empty for an agent to choose, and PATCHing one recomputes them.
   */
  private async holdToOtherTargets(manager: EntityManager, ticket: Ticket) {
    if (ticket.categoryId || ticket.firstResponseDueAt || ticket.resolutionDueAt) return;
    const other = await this.rules.otherCategory(manager);
    if (other) Object.assign(ticket, computeDueDates(ticket.createdAt, other));
  }

  async onTicketChange(manager: EntityManager, change: TicketChange): Promise<void> {
    if (change.type !== 'created') return;
    const ticket = change.ticket;
    if (change.deferDuplicateSearch) {
      // background intake: the search runs after the commit (DuplicateCheckWorker)
      if (ticket.categoryId) await manager.query(`INSERT INTO duplicate_checks (ticket_id) VALUES ($1) ON CONFLICT DO NOTHING`, [ticket.id]);
      return;
    }
    await this.duplicates.suggest(manager, ticket);
  }
}
