import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { Clock } from '../common/clock';
import { notFound } from '../common/domain-error';
import { canReadTicket } from '../tickets/ticket-access';
import { OPEN_STATUSES, STATUS_LABELS, type TicketStatus } from '../tickets/ticket-status';
import { TicketEvent } from '../tickets/ticket-event.entity';
import type { Ticket } from '../tickets/ticket.entity';
import { TicketsService } from '../tickets/tickets.service';
import { leftCodePoints } from '../common/code-points';
import { similarity, TrigramCache } from './trigram-similarity';

/** the open statuses as SQL literals, so the planner can use the partial index */
const OPEN_SQL = `(${OPEN_STATUSES.map((x) => `'${x}'`).join(',')})`;

/** Trigram similarity (pg_trgm's measure, accent- and case-free) from which two reports count as the same. */
export const DUPLICATE_MIN_SIMILARITY = 0.45;
const MAX_CANDIDATES = 5;
/** Only the most recent open tickets of the category are compared (a bounded cost per new ticket)… */
export const DUPLICATE_WINDOW = 150;
/** The subject and the start of the text are compared (the report itself; later lines add little but cost). */
export const DUPLICATE_TEXT_CHARS = 1000;
/** …and only those reported within this many days (a duplicate report comes while the first is fresh). */
export const DUPLICATE_MAX_AGE_DAYS = 120;

export interface DuplicateCandidate {
  folio: string;
  subject: string;
  status: TicketStatus;
  statusLabel: string;
  colonia: string | null;
  similarity: number;
  createdAt: Date;
}

/**
 * Open tickets that probably report the same thing: same category, same colonia (compared
 * without accents or case; any colonia when the ticket has none) and very similar subject + text,
 * among the DUPLICATE_WINDOW most recent of the last DUPLICATE_MAX_AGE_DAYS days.
 * The agent decides and merges (POST /tickets/{folio}/merge).
 */
@Injectable()
export class DuplicateFinderService {
  /** trigram sets of the recent tickets a search compares with (most are compared again by the next one) */
  private readonly trigramCache = new TrigramCache();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tickets: TicketsService,
    private readonly clock: Clock,
  ) {}

  async forFolio(folio: string, user: AuthenticatedUser) {
    const ticket = await this.tickets.findByFolio(folio);
    if (!canReadTicket(user, ticket)) throw notFound(`Ticket ${folio}`);
    return { folio: ticket.folio, candidates: await this.candidates(this.dataSource.manager, ticket) };
  }

  /** Records the likely duplicates of a new ticket as a `duplicates_suggested` event (when there are any). */
  async suggest(manager: EntityManager, ticket: Pick<Ticket, 'id' | 'categoryId' | 'colonia' | 'subject' | 'description'>): Promise<number> {
    const candidates = await this.candidates(manager, ticket);
    if (candidates.length) {
      await manager.insert(TicketEvent, {
        ticketId: ticket.id,
        type: 'duplicates_suggested',
        actorKind: 'system',
        data: { candidates: candidates.map((c) => ({ folio: c.folio, similarity: c.similarity })) },
      });
    }
    return candidates.length;
  }

  async candidates(
    manager: EntityManager,
    ticket: Pick<Ticket, 'id' | 'categoryId' | 'colonia' | 'subject' | 'description'>,
  ): Promise<DuplicateCandidate[]> {
    if (!ticket.categoryId) return [];
    const rows: Array<{ id: string; folio: string; subject: string; head: string; status: TicketStatus; colonia: string | null; created_at: Date }> =
      await manager.query(
        // the most recent open tickets of the category (ix_tickets_open_category_created): a
        // bounded amount of scoring per new ticket, however many are open; scored in the app
        `SELECT t.id, t.folio, t.subject, left(t.description, ${DUPLICATE_TEXT_CHARS}) AS head, t.status, t.colonia, t.created_at
         FROM tickets t
         WHERE t.category_id = $2 AND t.status IN ${OPEN_SQL} AND t.merged_into_id IS NULL AND t.id <> $1
           AND t.created_at > $4
           AND ($3::text IS NULL OR f_unaccent(lower(btrim(t.colonia))) = f_unaccent(lower(btrim($3::text))))
         ORDER BY t.created_at DESC
         LIMIT ${DUPLICATE_WINDOW}`,
        [
          ticket.id,
          ticket.categoryId,
          ticket.colonia?.trim() ? ticket.colonia : null,
          new Date(this.clock.now().getTime() - DUPLICATE_MAX_AGE_DAYS * 86_400_000),
        ],
      );
    if (!rows.length) return [];
    const own = this.trigramCache.setOf(String(ticket.id), `${ticket.subject} ${leftCodePoints(ticket.description, DUPLICATE_TEXT_CHARS)}`);
    const scored = rows
      .map((r) => ({ ...r, score: similarity(own, this.trigramCache.setOf(String(r.id), `${r.subject} ${r.head}`)) }))
      .filter((r) => r.score >= DUPLICATE_MIN_SIMILARITY)
      .sort((a, b) => b.score - a.score || a.created_at.getTime() - b.created_at.getTime())
      .slice(0, MAX_CANDIDATES);
    return scored.map((r) => ({
      folio: r.folio,
      subject: r.subject,
      status: r.status,
      statusLabel: STATUS_LABELS[r.status],
      colonia: r.colonia,
      similarity: Math.round(Number(r.score) * 100) / 100,
      createdAt: r.created_at,
    }));
  }
}
