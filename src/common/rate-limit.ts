import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, type ThrottlerOptions } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config';

/**
 * Named rate limits (per client address, per minute). A route opts into exactly one with
 * `@RateLimit('public')` — the others are skipped for it. Limits come from the environment:
 * LOGIN_RATE_LIMIT, PUBLIC_RATE_LIMIT.
 *
 * - `login`: POST /auth/login
 * - `public`: unauthenticated pages and APIs (citizen status page and API, privacy notice)
 *
 * The platform webhooks (WEBHOOK_RATE_LIMIT) count requests in the controller with a plain
 * in-memory counter instead (SocialWebhooksController): no guard on their hot path.
 */
export const RATE_LIMITS = ['login', 'public'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

export const RATE_LIMIT_WINDOW_MS = 60_000;

export function rateLimitThrottlers(config: AppConfig): ThrottlerOptions[] {
  const limits: Record<RateLimitName, number> = {
    login: config.loginRateLimit,
    public: config.publicRateLimit,
  };
  return RATE_LIMITS.map((name) => ({ name, ttl: RATE_LIMIT_WINDOW_MS, limit: limits[name] }));
}

/** Applies the named limit to a route or controller; answers 429 with Retry-After when exceeded. */
export function RateLimit(name: RateLimitName) {
  const skip = Object.fromEntries(RATE_LIMITS.filter((n) => n !== name).map((n) => [n, true]));
  return applyDecorators(SkipThrottle(skip), UseGuards(ThrottlerGuard));
}
