import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Roles } from '../../auth/roles.decorator';
import { notFound } from '../../common/domain-error';
import { SocialEventQueue } from './social-event-queue.service';

export class ListSocialProblemsQuery {
  @ApiPropertyOptional({ description: 'only events older than this id (paging)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) before?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

/**
 * Webhook deliveries that did not fully become tickets: `failed` after every retry, or processed
 * with some messages that could not be stored. The raw delivery is kept in both cases; an admin
 * can have it processed again (what is already stored is recognised and not doubled).
 */
@ApiTags('intake')
@ApiBearerAuth()
@Controller('intake/social-events')
export class SocialEventsAdminController {
  constructor(private readonly queue: SocialEventQueue) {}

  @Get('problems') @Roles('admin')
  problems(@Query() query: ListSocialProblemsQuery) {
    return this.queue.problems(query.before ?? null, query.limit ?? 50);
  }

  @Post(':id/retry') @Roles('admin') @HttpCode(200)
  async retry(@Param('id') id: string) {
    if (!/^\d{1,18}$/.test(id) || !(await this.queue.retry(id))) throw notFound('Social event');
    return { id, status: 'pending' };
  }
}
