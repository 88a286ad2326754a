import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { computeDueDates } from '../tickets/due-dates';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { TicketChange, TicketChangeListener, TicketHooks } from '../tickets/ticket-hooks';
import { DuplicateFinderService } from './duplicate-finder.service';
import { extractPoleId } from './pole-id';
import { RoutingRulesService } from './routing-rules.service';

export const TRANSPARENCY_TAG = 'transparencia';
export const TRANSPARENCY_AREA_CODE = 'unidad-de-transparencia';
const LUMINARIA_CODE = 'luminaria-apagada';
const MAX_ROUTING_TEXT = 5000;

/**
 * On every new ticket, inside its creation transaction:
 * - suggests a category (keyword rules on subject + text) and records it as a `routing_suggested`
 *   event; applies it — category, its area, due dates — when the ticket has no category yet
 *   (an agent changes it with PATCH /tickets/{folio});
 * - flags transparency requests (tag `transparencia` + `transparency_flagged` event) for the
 *   Unidad de Transparencia instead of routing them;
 * - lists likely duplicates (`duplicates_suggested` event).
 */
@Injectable()
export class TicketRoutingListener implements TicketChangeListener, OnModuleInit {
  private readonly logger = new Logger(TicketRoutingListener.name);

  constructor(
    private readonly hooks: TicketHooks,
    private readonly rules: RoutingRulesService,
    private readonly duplicates: DuplicateFinderService,
  ) {}

  onModuleInit() {
    this.hooks.register(this);
  }

  async onTicketChange(manager: EntityManager, change: TicketChange): Promise<void> {
    if (change.type !== 'created') return;
    const ticket = change.ticket;
    // the topic is in the subject and the first lines; a capped text keeps matching cheap on huge mails
    const text = `${ticket.subject}\n${ticket.description.slice(0, MAX_ROUTING_TEXT)}`;
    const { suggestion, category } = await this.rules.suggest(manager, text);

    if (suggestion.transparency) {
      if (!ticket.tags.includes(TRANSPARENCY_TAG)) ticket.tags = [...ticket.tags, TRANSPARENCY_TAG];
      await manager.query(`UPDATE tickets SET tags = $2 WHERE id = $1`, [ticket.id, ticket.tags]);
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'transparency_flagged',
        actorKind: 'system',
        reason: 'Solicitud de información pública: canalizar a la Unidad de Transparencia',
        data: { matched: suggestion.transparencyMatched, areaCode: TRANSPARENCY_AREA_CODE },
      });
      this.logger.log({ ticketId: ticket.id }, 'transparency request flagged');
    } else if (category && category.id !== ticket.categoryId) {
      const apply = !ticket.categoryId;
      if (apply) {
        ticket.categoryId = category.id;
        ticket.areaId = ticket.areaId ?? category.areaId;
        Object.assign(ticket, computeDueDates(ticket.createdAt, category));
        if (category.code === LUMINARIA_CODE && !ticket.poleId) ticket.poleId = extractPoleId(text);
        await manager.query(
          `UPDATE tickets SET category_id = $2, area_id = $3, first_response_due_at = $4, resolution_due_at = $5, pole_id = $6 WHERE id = $1`,
          [ticket.id, ticket.categoryId, ticket.areaId, ticket.firstResponseDueAt, ticket.resolutionDueAt, ticket.poleId],
        );
      }
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
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
      });
    }

    const candidates = await this.duplicates.candidates(manager, ticket);
    if (candidates.length) {
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'duplicates_suggested',
        actorKind: 'system',
        data: { candidates: candidates.map((c) => ({ folio: c.folio, similarity: c.similarity })) },
      });
    }
  }
}
