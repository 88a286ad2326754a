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
      { name: 'webhook', ttl: 60_000, limit: 900 },
    ]);
  });

  it('has defaults for public pages and webhooks', () => {
    const cfg = loadAppConfig({});
    expect([cfg.publicRateLimit, cfg.webhookRateLimit]).toEqual([60, 600]);
  });

  it('@RateLimit(name) guards the route and skips the other limits', () => {
    class Webhooks {
      @RateLimit('webhook') receive() {}
    }
    const handler = Object.getOwnPropertyDescriptor(Webhooks.prototype, 'receive')!.value as object;
    expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([ThrottlerGuard]);
    const skipped = ['login', 'public', 'webhook'].filter((n) => Reflect.getMetadata(`THROTTLER:SKIP${n}`, handler) === true);
    expect(skipped).toEqual(['login', 'public']);
  });
});
