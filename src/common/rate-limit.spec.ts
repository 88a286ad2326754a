import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ThrottlerGuard } from '@nestjs/throttler';
import { loadAppConfig } from '../config/app-config';
import { RateLimit, rateLimitThrottlers } from './rate-limit';

describe('rate limits', () => {
  it('builds one named throttler per limit from the configuration', () => {
    const cfg = loadAppConfig({ LOGIN_RATE_LIMIT: '7', PUBLIC_RATE_LIMIT: '30', WEBHOOK_RATE_LIMIT: '900' });
    expect(rateLimitThrottlers(cfg)).toEqual([
      { name: 'login', ttl: 60_000, limit: 7 },
      { name: 'public', ttl: 60_000, limit: 30 },
    ]);
    expect(cfg.webhookRateLimit).toBe(900); // counted by the webhooks controller itself
  });

  it('has defaults for public pages and webhooks', () => {
    const cfg = loadAppConfig({});
    expect([cfg.publicRateLimit, cfg.webhookRateLimit]).toEqual([60, 600]);
  });

  it('@RateLimit(name) guards the route and skips the other limits', () => {
    class Status {
      @RateLimit('public') show() {}
    }
    const handler = Object.getOwnPropertyDescriptor(Status.prototype, 'show')!.value as object;
    expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([ThrottlerGuard]);
    const skipped = ['login', 'public'].filter((n) => Reflect.getMetadata(`THROTTLER:SKIP${n}`, handler) === true);
    expect(skipped).toEqual(['login']);
  });
});
