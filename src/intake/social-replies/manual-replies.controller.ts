import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthenticatedUser, CurrentUser } from '../../auth/authenticated-user';
import { Roles } from '../../auth/roles.decorator';
import { notFound } from '../../common/domain-error';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { ALL_ROLES } from '../../users/user-role';

/** Agent replies the platform window no longer allows: the press office answers them by hand. */
@ApiTags('intake')
@ApiBearerAuth()
@Controller('intake/manual-replies')
export class ManualRepliesController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get() @Roles(...ALL_ROLES)
  async list() {
    const rows = await this.dataSource.query(
      `SELECT m.id, m.body_text, m.created_at, m.meta->>'manualReplyReason' AS reason, t.folio, t.channel, c.name AS citizen_name,
              (SELECT i.handle FROM citizen_identities i WHERE i.citizen_id = t.citizen_id AND i.kind = t.channel LIMIT 1) AS handle
       FROM messages m JOIN tickets t ON t.id = m.ticket_id LEFT JOIN citizens c ON c.id = t.citizen_id
       WHERE (m.meta->>'manualReply') = 'pending'
       ORDER BY m.created_at, m.id LIMIT 200`,
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: String(r.id),
      folio: r.folio,
      channel: r.channel,
      citizen: r.citizen_name ?? null,
      handle: r.handle ?? null,
      text: r.body_text,
      reason: r.reason,
      createdAt: r.created_at,
    }));
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
