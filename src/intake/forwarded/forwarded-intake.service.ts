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
import { forwardedAuthor, forwardedExternalId, postedAtInstant } from './forwarded-source';
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
   * Idempotency-Key — answers with the ticket it already made: the external id comes from the post
   * the forward names, else from the network, author and text (see forwardedExternalId), and the
   * intake serialises deliveries of one (channel, external id) under an advisory lock.
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
      externalId: forwardedExternalId(dto.network, dto.url, author.key, dto.text),
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
    return this.tickets.detail(result.folio, user);
  }

  /** What this press user forwarded, newest first, with the status they can follow. */
  async mine(user: AuthenticatedUser, query: ListForwardedQuery) {
    const limit = query.limit ?? 50;
    const pos = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !pos) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
    const rows: Array<{ id: string; folio: string; subject: string; status: TicketStatus; channel: string; created_at: Date; updated_at: Date; area: string | null }> =
      await this.dataSource.query(
        `SELECT t.id, t.folio, t.subject, t.status, t.channel, t.created_at, t.updated_at, a.name AS area
         FROM tickets t LEFT JOIN areas a ON a.id = t.area_id
         WHERE t.forwarded_by_id = $1 ${pos ? 'AND (t.created_at, t.id) < ($3::timestamptz, $4::bigint)' : ''}
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
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: new Date(last.created_at).toISOString(), id: String(last.id) }) : null,
    };
  }
}

function invalid(error: string): DomainError {
  return new DomainError('VALIDATION', 'Invalid screenshots', [{ field: 'screenshots', errors: [error] }]);
}
