import { Controller, Get, Header, HttpCode, Logger, Post, Query, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../auth/roles.decorator';
import { DomainError } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { AddressLimiter } from './address-limiter';
import { SocialEventQueue } from './social-event-queue.service';
import { secretMatches, verifyMetaSignature } from './webhook-signature';

/** Failed authentications allowed per client address per minute before 429. */
const AUTH_FAILURES_PER_MINUTE = 30;

/** Where the webhooks are served; bootstrap gives these paths a raw-body parser instead of JSON. */
export const WEBHOOKS_PATH = '/api/v1/webhooks/';

/** The raw bytes of a webhook POST, as the raw-body parser (bootstrap) leaves them in req.body. */
const rawBodyOf = (req: Request): Buffer | undefined => (Buffer.isBuffer(req.body) ? req.body : undefined);

/**
 * Platform webhooks (SPEC §3.2). Authenticated by signature / shared secret, not by a session:
 * anything unsigned or mis-signed is 401 and stored nowhere. A verified delivery is stored
 * durably and answered 200 at once; processing happens after (SocialEventQueue).
 *
 * The hot path is kept lean (issue #5): the body is never JSON-parsed here (only its raw bytes are
 * signed and stored), the per-address limits are plain in-memory counters instead of a guard, and
 * the request logger skips these routes (AppModule) — failed authentications are logged here.
 */
@ApiTags('webhooks')
@Controller('webhooks')
@ApiTooManyRequestsResponse({ description: 'more than WEBHOOK_RATE_LIMIT requests, or too many failed authentications, from this address in the minute' })
export class SocialWebhooksController {
  private readonly logger = new Logger(SocialWebhooksController.name);
  private readonly failures = new AddressLimiter(AUTH_FAILURES_PER_MINUTE);
  /** WEBHOOK_RATE_LIMIT requests per client address per minute */
  private readonly requests: AddressLimiter;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: SocialEventQueue,
  ) {
    this.requests = new AddressLimiter(config.webhookRateLimit);
  }

  /** Meta's subscription handshake: echoes `hub.challenge` when `hub.verify_token` matches META_VERIFY_TOKEN. */
  @Get('meta') @Public() @Header('Content-Type', 'text/plain; charset=utf-8') @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'the hub.challenge, as plain text' })
  verifyMeta(@Query() query: Record<string, unknown>, @Req() req: Request): string {
    this.checkBlocked(req);
    const challenge = query['hub.challenge'];
    if (query['hub.mode'] === 'subscribe' && secretMatches(query['hub.verify_token'], this.config.meta.verifyToken) && typeof challenge === 'string' && /^[\w.~-]{1,256}$/.test(challenge)) {
      return challenge;
    }
    this.fail(req, 'meta-handshake');
    throw new DomainError('FORBIDDEN', 'Verification failed');
  }

  @Post('meta') @Public() @HttpCode(200)
  @ApiHeader({ name: 'X-Hub-Signature-256', required: true, description: 'sha256=<hex HMAC-SHA256 of the raw body with META_APP_SECRET>' })
  async receiveMeta(@Req() req: Request): Promise<string> {
    this.checkBlocked(req);
    const body = rawBodyOf(req);
    if (!body || !verifyMetaSignature(body, req.headers['x-hub-signature-256'], this.config.meta.appSecret)) {
      this.fail(req, 'meta');
      throw new DomainError('UNAUTHORIZED', 'Invalid or missing signature');
    }
    await this.queue.store('meta', body);
    return 'EVENT_RECEIVED';
  }

  @Post('telegram') @Public() @HttpCode(200)
  @ApiHeader({ name: 'X-Telegram-Bot-Api-Secret-Token', required: true, description: 'TELEGRAM_SECRET_TOKEN, as given to setWebhook' })
  async receiveTelegram(@Req() req: Request): Promise<{ ok: true }> {
    this.checkBlocked(req);
    const body = rawBodyOf(req);
    if (!secretMatches(req.headers['x-telegram-bot-api-secret-token'], this.config.telegram.secretToken) || !body) {
      this.fail(req, 'telegram');
      throw new DomainError('UNAUTHORIZED', 'Invalid or missing secret token');
    }
    await this.queue.store('telegram', body);
    return { ok: true };
  }

  /** 429 (with Retry-After) over WEBHOOK_RATE_LIMIT, or after too many failed authentications; counts the request. */
  private checkBlocked(req: Request): void {
    const address = req.ip ?? 'unknown';
    if (this.failures.isBlocked(address)) this.tooMany(req, this.failures, address, 'Too many failed webhook authentications');
    if (!this.requests.tryRecord(address)) this.tooMany(req, this.requests, address, 'Too many webhook requests');
  }

  private tooMany(req: Request, limiter: AddressLimiter, address: string, message: string): never {
    req.res?.setHeader('Retry-After', String(limiter.retryAfterSeconds(address)));
    throw new DomainError('TOO_MANY_REQUESTS', message);
  }

  /** Counts a failed authentication for the address and logs it (no address, no body: ids only). */
  private fail(req: Request, webhook: 'meta' | 'meta-handshake' | 'telegram'): void {
    this.failures.record(req.ip ?? 'unknown');
    this.logger.warn({ webhook }, 'webhook authentication failed');
  }
}

