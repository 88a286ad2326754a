import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AuthenticatedUser, CurrentUser } from '../../auth/authenticated-user';
import { Roles } from '../../auth/roles.decorator';
import { DomainError, notFound } from '../../common/domain-error';
import { decodeCursor, encodeCursor } from '../../common/keyset-cursor';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { forwardedSource } from '../../tickets/tickets.service';
import { ALL_ROLES } from '../../users/user-role';

export const MANUAL_REPLIES_MAX_LIMIT = 200;

export class ListManualRepliesQuery {
  @ApiPropertyOptional({ default: MANUAL_REPLIES_MAX_LIMIT, maximum: MANUAL_REPLIES_MAX_LIMIT })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MANUAL_REPLIES_MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'X-Next-Cursor of the previous page' }) @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

interface ManualReplyRow {
  id: string;
  body_text: string;
  created_at: Date;
  cursor_ts: string;
  reason: string | null;
  folio: string;
  channel: string;
  citizen_name: string | null;
  handle: string | null;
  forwarded: Record<string, unknown> | null;
}

/** Agent replies the platform window no longer allows: the press office answers them by hand. */
@ApiTags('intake')
@ApiBearerAuth()
@Controller('intake/manual-replies')
export class ManualRepliesController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The pending ones, oldest first (a work queue), a page at a time: the body is the page (an
   * array, as before); `X-Total-Count` says how many are pending in all, `X-Next-Cursor` (absent
   * on the last page) asks for the next page with `?cursor=`. An item of a forwarded report says
   * where to answer: the network, the author's handle and the link the press office forwarded
   * (`forwarded`, `handle`, `url`) — never a phone number or an email address to a press user.
   */
  @Get() @Roles(...ALL_ROLES)
  @ApiHeader({ name: 'X-Total-Count', required: false, description: '(response) pending manual replies in all' })
  @ApiHeader({ name: 'X-Next-Cursor', required: false, description: '(response) cursor of the next page; absent on the last one' })
  @ApiResponse({ status: 200, description: 'a page of pending manual replies, oldest first' })
  async list(@CurrentUser() user: AuthenticatedUser, @Query() query: ListManualRepliesQuery, @Res({ passthrough: true }) res: Response) {
    const limit = query.limit ?? MANUAL_REPLIES_MAX_LIMIT;
    const pos = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !pos) throw new DomainError('VALIDATION', 'Invalid cursor', [{ field: 'cursor', errors: ['invalid cursor'] }]);
    const [rows, [{ total }]]: [ManualReplyRow[], Array<{ total: number }>] = await Promise.all([
      this.dataSource.query(
        `SELECT m.id, m.body_text, m.created_at, m.meta->>'manualReplyReason' AS reason, t.folio, t.channel, c.name AS citizen_name,
                to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts,
                (SELECT i.handle FROM citizen_identities i
                  WHERE i.citizen_id = t.citizen_id AND i.kind = t.channel AND i.handle IS NOT NULL ORDER BY i.created_at LIMIT 1) AS handle,
                (SELECT fm.meta->'forwarded' FROM messages fm
                  WHERE fm.ticket_id = t.id AND fm.direction = 'inbound' AND fm.meta ? 'forwarded' ORDER BY fm.created_at, fm.id LIMIT 1) AS forwarded
         FROM messages m JOIN tickets t ON t.id = m.ticket_id LEFT JOIN citizens c ON c.id = t.citizen_id
         WHERE (m.meta->>'manualReply') = 'pending' ${pos ? 'AND (m.created_at, m.id) > ($2::timestamptz, $3::bigint)' : ''}
         ORDER BY m.created_at, m.id LIMIT $1`,
        pos ? [limit + 1, pos.createdAt, pos.id] : [limit + 1],
      ),
      this.dataSource.query(`SELECT count(*)::int AS total FROM messages WHERE (meta->>'manualReply') = 'pending'`),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    res.setHeader('X-Total-Count', String(total));
    if (rows.length > limit && last) res.setHeader('X-Next-Cursor', encodeCursor({ createdAt: last.cursor_ts, id: String(last.id) }));
    res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count, X-Next-Cursor');
    const isPress = user.role === 'press';
    return page.map((r) => {
      const forwarded = forwardedSource(r.forwarded ? { forwarded: r.forwarded } : null, isPress);
      return {
        id: String(r.id),
        folio: r.folio,
        channel: r.channel,
        citizen: r.citizen_name ?? null,
        // a forwarded report's author is where the press office found it, not a platform identity
        handle: forwarded ? forwarded.authorHandle : (r.handle ?? null),
        url: forwarded?.url ?? null,
        forwarded,
        text: r.body_text,
        reason: r.reason,
        createdAt: r.created_at,
      };
    });
  }

  @Post(':id/done') @Roles(...ALL_ROLES) @HttpCode(200)
  async done(@Param('id') id: string, @CurrentUser() user: AuthenticatedUser) {
    if (!/^\d{1,18}$/.test(id)) throw notFound('Manual reply');
    await this.dataSource.transaction(async (manager) => {
      const [rows] = await manager.query(
        `UPDATE messages SET meta = meta || jsonb_build_object('manualReply', 'done', 'manualReplyBy', $2::text, 'manualReplyAt', now())
         WHERE id = $1 AND (meta->>'manualReply') = 'pending' RETURNING ticket_id`,
        [id, user.id],
      );
      if (!rows.length) throw notFound('Manual reply');
      await manager.insert(TicketEvent, { ticketId: String(rows[0].ticket_id), type: 'manual_reply_done', actorUserId: user.id, data: { messageId: id } });
    });
    return { id, manualReply: 'done' };
  }
}
