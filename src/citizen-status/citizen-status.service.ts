import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BRANDING } from '../notifications/branding';
import { parseFolio } from '../tickets/folio';
import { STATUS_LABELS, STATUS_MEANINGS, type TicketStatus } from '../tickets/ticket-status';
import { tokenMatches } from './token-match';

/** What a citizen may see of their report: status, dates, the public conversation. Nothing else. */
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
            rejection_reason: string | null;
            public_token: string;
            category: string | null;
            area: string | null;
            created_at: Date;
            status_changed_at: Date;
            resolved_at: Date | null;
            closed_at: Date | null;
          }>
        >(
          `SELECT t.id, t.folio, t.subject, t.status, t.rejection_reason, t.public_token, c.name AS category, a.name AS area,
                  t.created_at, t.status_changed_at, t.resolved_at, t.closed_at
           FROM tickets t LEFT JOIN categories c ON c.id = t.category_id LEFT JOIN areas a ON a.id = t.area_id
           WHERE t.folio = $1`,
          [folio.trim().toUpperCase()],
        )
      : [];
    const ticket = rows[0];
    if (!tokenMatches(given, ticket?.public_token ?? null) || !ticket) return null;

    const messages = await this.dataSource.query<
      Array<{ direction: string; body_text: string; body_new: string | null; created_at: Date }>
    >(
      `SELECT direction, body_text, body_new, created_at FROM messages
       WHERE ticket_id = $1 AND public = true AND direction IN ('inbound', 'outbound')
         AND coalesce(meta->>'automatic', 'false') <> 'true'
         AND coalesce(meta->>'automated', 'false') <> 'true'
       ORDER BY created_at, id LIMIT $2`,
      [ticket.id, MAX_MESSAGES],
    );
    return {
      city: BRANDING.city,
      office: BRANDING.office,
      folio: ticket.folio,
      subject: ticket.subject,
      status: ticket.status,
      statusLabel: STATUS_LABELS[ticket.status],
      statusMeaning: STATUS_MEANINGS[ticket.status],
      rejectionReason: ticket.status === 'rejected' ? ticket.rejection_reason : null,
      category: ticket.category,
      area: ticket.area,
      createdAt: ticket.created_at,
      statusChangedAt: ticket.status_changed_at,
      // a reopened report is being worked on again: its earlier solution date would mislead
      resolvedAt: ticket.status === 'resolved' || ticket.status === 'closed' ? ticket.resolved_at : null,
      closedAt: ticket.closed_at,
      messages: messages
        .map((m) => ({
          from: m.direction === 'inbound' ? ('citizen' as const) : ('office' as const),
          text: (m.direction === 'inbound' ? m.body_new || m.body_text : m.body_text).trim(),
          createdAt: m.created_at,
        }))
        .filter((m) => m.text.length > 0),
    };
  }
}
