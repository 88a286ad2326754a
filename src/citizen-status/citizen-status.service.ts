import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BRANDING } from '../notifications/branding';
import { emailAppliesTo } from '../notifications/email/notification-plan';
import { CHANNEL_LABELS } from '../reports/monthly-report';
import { cameFromSocialMedia, type TicketChannel } from '../tickets/ticket-channel';
import { parseFolio } from '../tickets/folio';
import { STATUS_LABELS, STATUS_MEANINGS, type TicketStatus } from '../tickets/ticket-status';
import { tokenMatches } from './token-match';

/**
 * A report merged as a duplicate into another: the folio it was joined to, and that report's status
 * and dates. Nothing else of it (its subject, messages and citizen belong to someone else).
 */
export interface MergedIntoView {
  folio: string;
  status: TicketStatus;
  statusLabel: string;
  statusMeaning: string;
  statusChangedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

/**
 * What a citizen may see of their report: status, dates, the public conversation. Nothing else.
 * A merged duplicate shows "Integrado al reporte <folio>" with the surviving report's status, dates,
 * category and area (the top-level fields, so the page needs nothing new) and `mergedInto`; its
 * messages stay its own.
 */
export interface PublicTicketView {
  city: string;
  office: string;
  folio: string;
  subject: string;
  status: TicketStatus;
  statusLabel: string;
  statusMeaning: string;
  rejectionReason: string | null;
  category: string | null;
  area: string | null;
  createdAt: Date;
  statusChangedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
  /** set when the report was merged as a duplicate into another one */
  mergedInto: MergedIntoView | null;
  /**
   * How the citizen can add information: `email` — answer the mails about the report (they have an
   * address we write to); `social` — the same conversation or post on the network they wrote on
   * (`network`, null when it has no name); `office` — get in touch with the office (phone, counter).
   */
  addInformationBy: 'email' | 'social' | 'office';
  network: string | null;
  /** the citizen's own messages and what the office wrote to them; never notes, names or automatic notices */
  messages: Array<{ from: 'citizen' | 'office'; text: string; createdAt: Date }>;
}

const MAX_TOKEN_CHARS = 256;
const MAX_MESSAGES = 200;

@Injectable()
export class CitizenStatusService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The report behind folio + token, or null — the same null for an unknown folio and a wrong token. */
  async find(folio: string, token: string | undefined): Promise<PublicTicketView | null> {
    const wellFormed =
      typeof folio === 'string' && folio.length <= 40 && parseFolio(folio) !== null;
    const given = typeof token === 'string' && token.length <= MAX_TOKEN_CHARS ? token : '';
    const rows = wellFormed
      ? await this.dataSource.query<
          Array<{
            id: string;
            folio: string;
            subject: string;
            status: TicketStatus;
            channel: TicketChannel;
            citizen_id: string | null;
            forwarded: boolean;
            rejection_reason: string | null;
            public_token: string;
            category: string | null;
            area: string | null;
            created_at: Date;
            status_changed_at: Date;
            resolved_at: Date | null;
            closed_at: Date | null;
            s_folio: string | null;
            s_status: TicketStatus | null;
            s_category: string | null;
            s_area: string | null;
            s_status_changed_at: Date | null;
            s_resolved_at: Date | null;
            s_closed_at: Date | null;
          }>
        >(
          // s: the report a merged duplicate was joined to (merge() leaves no chains: one hop)
          `SELECT t.id, t.folio, t.subject, t.status, t.channel, t.citizen_id, t.forwarded_by_id IS NOT NULL AS forwarded, t.rejection_reason, t.public_token, c.name AS category, a.name AS area,
                  t.created_at, t.status_changed_at, t.resolved_at, t.closed_at,
                  s.folio AS s_folio, s.status AS s_status, sc.name AS s_category, sa.name AS s_area,
                  s.status_changed_at AS s_status_changed_at, s.resolved_at AS s_resolved_at, s.closed_at AS s_closed_at
           FROM tickets t LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN areas a ON a.id = t.area_id
             LEFT JOIN tickets s ON s.id = t.merged_into_id
             LEFT JOIN categories sc ON sc.id = s.category_id LEFT JOIN areas sa ON sa.id = s.area_id
           WHERE t.folio = $1`,
          [folio.trim().toUpperCase()],
        )
      : [];
    const ticket = rows[0];
    if (!tokenMatches(given, ticket?.public_token ?? null) || !ticket) return null;

    const messages = await this.dataSource.query<
      Array<{ direction: string; body_text: string; body_new: string | null; created_at: Date }>
    >(
      // inbound: only what the ticket's own citizen wrote, whatever the public flag says (someone
      // else's words, e.g. the citizen of a merged duplicate, are never shown as "Usted")
      `SELECT m.direction, m.body_text, m.body_new, m.created_at FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE m.ticket_id = $1 AND m.public = true AND m.direction IN ('inbound', 'outbound')
         AND (m.direction = 'outbound' OR m.author_citizen_id IS NOT DISTINCT FROM t.citizen_id)
         AND coalesce(m.meta->>'automatic', 'false') <> 'true'
         AND coalesce(m.meta->>'automated', 'false') <> 'true'
       ORDER BY m.created_at, m.id LIMIT $2`,
      [ticket.id, MAX_MESSAGES],
    );
    const mergedInto: MergedIntoView | null =
      ticket.status === 'rejected' && ticket.s_folio && ticket.s_status && ticket.s_status_changed_at
        ? {
            folio: ticket.s_folio,
            status: ticket.s_status,
            statusLabel: STATUS_LABELS[ticket.s_status],
            statusMeaning: STATUS_MEANINGS[ticket.s_status],
            statusChangedAt: ticket.s_status_changed_at,
            resolvedAt: ticket.s_status === 'resolved' || ticket.s_status === 'closed' ? ticket.s_resolved_at : null,
            closedAt: ticket.s_closed_at,
          }
        : null;
    const own = {
      statusLabel: STATUS_LABELS[ticket.status],
      statusMeaning: STATUS_MEANINGS[ticket.status],
      rejectionReason: ticket.status === 'rejected' ? ticket.rejection_reason : null,
      category: ticket.category,
      area: ticket.area,
      statusChangedAt: ticket.status_changed_at,
      // a reopened report is being worked on again: its earlier solution date would mislead
      resolvedAt: ticket.status === 'resolved' || ticket.status === 'closed' ? ticket.resolved_at : null,
      closedAt: ticket.closed_at,
    };
    const shown = mergedInto
      ? {
          statusLabel: `Integrado al reporte ${mergedInto.folio}`,
          statusMeaning: `Su reporte se integró al reporte ${mergedInto.folio}, que atiende el mismo problema; ahí continúa su atención. Estado de ese reporte: ${mergedInto.statusLabel}.`,
          rejectionReason: null,
          category: ticket.s_category,
          area: ticket.s_area,
          statusChangedAt: mergedInto.statusChangedAt,
          resolvedAt: mergedInto.resolvedAt,
          closedAt: mergedInto.closedAt,
        }
      : own;
    return {
      city: BRANDING.city,
      office: BRANDING.office,
      folio: ticket.folio,
      subject: ticket.subject,
      status: ticket.status,
      ...shown,
      createdAt: ticket.created_at,
      mergedInto,
      ...(await this.addInformationBy(ticket)),
      messages: messages
        .map((m) => ({
          from: m.direction === 'inbound' ? ('citizen' as const) : ('office' as const),
          // an empty new text is a reply that only quoted our mail: not shown
          text: (m.direction === 'inbound' ? (m.body_new ?? m.body_text) : m.body_text).trim(),
          createdAt: m.created_at,
        }))
        .filter((m) => m.text.length > 0),
    };
  }

  /**
   * Mails reach the citizen when the channel is answered by email and they have an address that
   * takes our mail (following citizen merges, as the notifier does); else the network they wrote on;
   * else the office.
   */
  private async addInformationBy(ticket: { channel: TicketChannel; citizen_id: string | null; forwarded: boolean }): Promise<Pick<PublicTicketView, 'addInformationBy' | 'network'>> {
    if (emailAppliesTo(ticket.channel) && ticket.citizen_id) {
      const [{ has_email }] = await this.dataSource.query<Array<{ has_email: boolean }>>(
        `WITH RECURSIVE chain(id, depth) AS (
           SELECT id, 0 FROM citizens WHERE id = $1
           UNION ALL
           SELECT c.merged_into_id, chain.depth + 1 FROM citizens c JOIN chain ON c.id = chain.id
           WHERE c.merged_into_id IS NOT NULL AND chain.depth < 10
         )
         SELECT EXISTS (SELECT 1 FROM citizen_identities WHERE citizen_id IN (SELECT id FROM chain) AND kind = 'email' AND NOT undeliverable) AS has_email`,
        [ticket.citizen_id],
      );
      if (has_email) return { addInformationBy: 'email', network: null };
    }
    if (cameFromSocialMedia(ticket)) {
      return { addInformationBy: 'social', network: ticket.channel === 'other' ? null : CHANNEL_LABELS[ticket.channel] };
    }
    return { addInformationBy: 'office', network: null };
  }
}
