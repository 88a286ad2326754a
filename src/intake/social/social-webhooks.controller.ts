import { Controller, Get, Header, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../auth/roles.decorator';
import { DomainError } from '../../common/domain-error';
import { RateLimit } from '../../common/rate-limit';
import { AppConfig } from '../../config/app-config';
import { FailureLimiter } from './failure-limiter';
import { SocialEventQueue } from './social-event-queue.service';
import { secretMatches, verifyMetaSignature } from './webhook-signature';

/** Failed authentications allowed per client address per minute before 429. */
const AUTH_FAILURES_PER_MINUTE = 30;

/**
 * Platform webhooks (SPEC §3.2). Authenticated by signature / shared secret, not by a session:
 * anything unsigned or mis-signed is 401 and stored nowhere. A verified delivery is stored
 * durably and answered 200 at once; processing happens after (SocialEventQueue).
 */
@ApiTags('webhooks')
@Controller('webhooks')
@RateLimit('webhook') // WEBHOOK_RATE_LIMIT per client address per minute
export class SocialWebhooksController {
  private readonly failures = new FailureLimiter(AUTH_FAILURES_PER_MINUTE);

  constructor(
    private readonly config: AppConfig,
    private readonly queue: SocialEventQueue,
  ) {}

  /** Meta's subscription handshake: echoes `hub.challenge` when `hub.verify_token` matches META_VERIFY_TOKEN. */
  @Get('meta') @Public() @Header('Content-Type', 'text/plain; charset=utf-8') @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'the hub.challenge, as plain text' })
  verifyMeta(@Query() query: Record<string, unknown>, @Req() req: Request): string {
    this.checkBlocked(req);
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] === 'subscribe' && secretMatches(query['hub.verify_token'], this.config.meta.verifyToken) && typeof challenge === 'string' && /^[\w.~-]{1,256}$/.test(challenge)) {
      return challenge;
    }
    this.fail(req);
    throw new DomainError('FORBIDDEN', 'Verification failed');
  }

  @Post('meta') @Public() @HttpCode(200)
  @ApiHeader({ name: 'X-Hub-Signature-256', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body with META_APP_SECRET>' })
  async receiveMeta(@Req() req: RawBodyRequest<Request>): Promise<string> {
    this.checkBlocked(req);
    if (!verifyMetaSignature(req.rawBody, req.headers['x-hub-signature-256'], this.config.meta.appSecret)) {
      this.fail(req);
      throw new DomainError('UNAUTHORIZED', 'Invalid or missing signature');
    }
    await this.queue.store('meta', req.rawBody!);
    return 'EVENT_RECEIVED';
  }

  @Post('telegram') @Public() @HttpCode(200)
  @ApiHeader({ name: 'X-Telegram-Bot-Api-Secret-Token', required: true, description: 'TELEGRAM_SECRET_TOKEN, as given to setWebhook' })
  async receiveTelegram(@Req() req: RawBodyRequest<Request>): Promise<{ ok: true }> {
    this.checkBlocked(req);
    if (!secretMatches(req.headers['x-telegram-bot-api-secret-token'], this.config.telegram.secretToken) || !req.rawBody) {
      this.fail(req);
      throw new DomainError('UNAUTHORIZED', 'Invalid or missing secret token');
    }
    await this.queue.store('telegram', req.rawBody);
    return { ok: true };
  }

  private checkBlocked(req: Request): void {
    if (this.failures.isBlocked(req.ip ?? 'unknown')) throw new DomainError('TOO_MANY_REQUESTS', 'Too many failed webhook authentications');
  }

  private fail(req: Request): void {
    this.failures.recordFailure(req.ip ?? 'unknown');
  }
}

