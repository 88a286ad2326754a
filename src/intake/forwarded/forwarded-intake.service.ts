import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthenticatedUser } from '../../auth/authenticated-user';
import { AppConfig } from '../../config/app-config';
import { decodeCursor, encodeCursor } from '../../common/keyset-cursor';
import { DomainError } from '../../common/domain-error';
import { leftCodePoints } from '../../common/code-points';
import { STATUS_LABELS, type TicketStatus } from '../../tickets/ticket-status';
import { TicketsService } from '../../tickets/tickets.service';
import type { InboundAttachment } from '../inbound-message';
import { IntakeService } from '../intake.service';
import { inspectMedia, isImageMime } from '../social/media-check';
import type { ForwardMessageDto, ListForwardedQuery } from './forwarded.dto';
import { forwardedAuthor, forwardedAuthorKey, forwardedExternalId, postedAtInstant } from './forwarded-source';
import type { UploadedImage } from './uploaded-file';

export const MAX_SCREENSHOTS = 5;

/** Press-office forwarding (SPEC §3.3): a message seen on any network becomes a ticket on that channel. */
@Injectable()
export class ForwardedIntakeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly intake: IntakeService,
    private readonly tickets: TicketsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * The same message forwarded again — by a colleague, or retried with or without the
   * Idempotency-Key — answers with the ticket it already made, `duplicate: true`: the external id
   * comes from the message the forward names (its link when that names one message, else the
   * post, network, author and text: see forwardedExternalId), and the intake serialises
   * deliveries of one (channel, external id) under an advisory lock. Whoever forwards it, first
   * or again, is recorded as one of its forwarders (ticket_forwarders) and follows it in mine().
   */
  async forward(dto: ForwardMessageDto, files: UploadedImage[], user: AuthenticatedUser) {
    if (files.length > MAX_SCREENSHOTS) throw invalid(`at most ${MAX_SCREENSHOTS} screenshots`);
    const attachments: InboundAttachment[] = [];
    for (const [i, f] of files.entries()) {
      const check = await inspectMedia(f.buffer, isImageMime);
      if (!check.ok) throw invalid(`${i + 1}: ${check.reason}`);
      const base = leftCodePoints(f.originalname.replace(/[/\\\p{Cc}]/gu, '_').replace(/\.[^.]*$/, '').trim(), 180) || `captura-${i + 1}`;
      attachments.push({ filename: `${base}.${check.ext}`, contentType: check.mime, size: f.buffer.length, content: f.buffer });
    }
    const author = forwardedAuthor(dto.network, dto.authorHandle, dto.authorName);
    const postedAt = postedAtInstant(dto.postedAt, this.config.cityTimeZone);
    const result = await this.intake.receive({
      channel: dto.network,
      externalId: forwardedExternalId(dto.network, dto.url, forwardedAuthorKey(author, dto.authorName), dto.text),
      sender: { name: dto.authorName ?? author.fallbackName, identities: author.identities },
      text: dto.text,
      attachments,
      ticket: { address: dto.address, colonia: dto.colonia },
      forwardedById: user.id,
      meta: {
        forwarded: {
          network: dto.network,
          authorName: dto.authorName ?? null,
          authorHandle: author.handleLabel,
          url: dto.url ?? null,
          postedAt: postedAt ? postedAt.toISOString() : null,
        },
      },
    });
    const duplicate = result.outcome === 'duplicate';
    // after the intake's commit: a forwarder lost to a crash here still follows a ticket they
    // made through tickets.forwarded_by_id (mine() reads both)
    await this.dataSource.query(
      `INSERT INTO ticket_forwarders (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [result.ticketId, user.id],
    );
    return { ...(await this.tickets.detail(result.folio, user)), duplicate };
  }

  /**
   * What this press user forwarded — first or again (ticket_forwarders) — newest first, with the
   * status they can follow; a duplicate merged into another ticket names it (mergedInto: folio,
   * status and its label), whose press view its forwarders may read (TicketsService.detail).
   */
  async mine(user: AuthenticatedUser, query: ListForwardedQuery) {
    const limit = query.limit ?? 50;
    const pos = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !pos) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
    const rows: Array<{
      id: string;
      folio: string;
      subject: string;
      status: TicketStatus;
      channel: string;
      created_at: Date;
      cursor_ts: string;
      updated_at: Date;
      area: string | null;
      merged_folio: string | null;
      merged_status: TicketStatus | null;
    }> = await this.dataSource.query(
      `SELECT t.id, t.folio, t.subject, t.status, t.channel, t.created_at, t.updated_at, a.name AS area,
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts,
              s.folio AS merged_folio, s.status AS merged_status
       FROM tickets t LEFT JOIN areas a ON a.id = t.area_id LEFT JOIN tickets s ON s.id = t.merged_into_id
       WHERE t.id IN (SELECT f.ticket_id FROM ticket_forwarders f WHERE f.user_id = $1
                      UNION ALL SELECT o.id FROM tickets o WHERE o.forwarded_by_id = $1)
         ${pos ? 'AND (t.created_at, t.id) < ($3::timestamptz, $4::bigint)' : ''}
       ORDER BY t.created_at DESC, t.id DESC LIMIT $2`,
      pos ? [user.id, limit + 1, pos.createdAt, pos.id] : [user.id, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        folio: r.folio,
        subject: r.subject,
        network: r.channel,
        status: r.status,
        statusLabel: STATUS_LABELS[r.status],
        area: r.area,
        mergedInto: r.merged_folio && r.merged_status ? { folio: r.merged_folio, status: r.merged_status, statusLabel: STATUS_LABELS[r.merged_status] } : null,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.cursor_ts, id: String(last.id) }) : null,
    };
  }
}

function invalid(error: string): DomainError {
  return new DomainError('VALIDATION', 'Invalid screenshots', [{ field: 'screenshots', errors: [error] }]);
}
