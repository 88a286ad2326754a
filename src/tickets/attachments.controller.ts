import { Controller, Get, Param, ParseUUIDPipe, Res, StreamableFile } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { DomainError, notFound } from '../common/domain-error';
import { ALL_ROLES } from '../users/user-role';
import { attachmentDisposition, safeContentType } from './attachment-content-type';
import { parseFolio } from './folio';
import { canReadTicket, canSeeMessage } from './ticket-access';

/** Downloads of stored attachments, for staff who may read the ticket (and the message). */
@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class AttachmentsController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get(':folio/attachments/:id') @Roles(...ALL_ROLES)
  async download(
    @Param('folio') folio: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    if (!parseFolio(folio)) throw notFound('Attachment');
    // the attachment's message must belong to this ticket or to a duplicate merged into it
    const rows: Array<{
      filename: string; content_type: string; content: Buffer | null; omitted: boolean; omitted_reason: string | null;
      direction: string; author_user_id: string | null; public: boolean; channel: string; forwarded_by_id: string | null;
      own_channel: string; own_forwarded_by_id: string | null;
    }> = await this.dataSource.query(
      `SELECT a.filename, a.content_type, a.content, a.omitted, a.omitted_reason, m.direction, m.author_user_id, m.public, t.channel, t.forwarded_by_id,
              mt.channel AS own_channel, mt.forwarded_by_id AS own_forwarded_by_id
       FROM attachments a JOIN messages m ON m.id = a.message_id JOIN tickets mt ON mt.id = m.ticket_id
       JOIN tickets t ON t.id = mt.id OR t.id = mt.merged_into_id
       WHERE a.id = $1 AND t.folio = $2 LIMIT 1`,
      [id, folio.toUpperCase()],
    );
    const row = rows[0];
    if (
      !row ||
      !canReadTicket(user, { channel: row.channel, forwardedById: row.forwarded_by_id }) ||
      // a merged duplicate's file: only for whoever may read that duplicate on its own
      !canReadTicket(user, { channel: row.own_channel, forwardedById: row.own_forwarded_by_id }) ||
      !canSeeMessage(user, { direction: row.direction, authorUserId: row.author_user_id, public: row.public })
    ) {
      throw notFound('Attachment');
    }
    if (row.omitted || !row.content) throw new DomainError('CONFLICT', `Attachment was not stored: ${row.omitted_reason ?? 'omitted'}`);
    res.setHeader('Content-Type', safeContentType(row.content_type));
    res.setHeader('Content-Disposition', attachmentDisposition(row.filename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    return new StreamableFile(row.content, { length: row.content.length });
  }
}
