import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
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
  @ApiOkResponse({ description: 'queued again: `{ id, status: "pending" }`' })
  @ApiNotFoundResponse({ description: 'no such delivery, or nothing in it to retry (neither failed nor with messages that could not be stored)' })
  @ApiConflictResponse({
    description:
      'the delivery was redacted when a citizen in it was anonymised (GET /intake/social-events/problems lists it with retryable false and notRetryableReason): it is not processed again, since it would make citizens and tickets out of placeholders; handle what is missing from it by hand',
  })
  async retry(@Param('id') id: string) {
    if (!/^\d{1,18}$/.test(id) || !(await this.queue.retry(id))) throw notFound('Social event');
    return { id, status: 'pending' };
  }
}
