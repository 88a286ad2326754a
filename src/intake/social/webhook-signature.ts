import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Meta signs every webhook POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
 * body keyed with the app secret>`. Compared in constant time; anything malformed is false.
 */
export function verifyMetaSignature(rawBody: Buffer | undefined, header: unknown, appSecret: string | undefined): boolean {
  if (!appSecret || !rawBody || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Builds the header value Meta would send (used by tests and the benchmark). */
export function signMetaBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * Constant-time comparison of a shared secret (Telegram's `X-Telegram-Bot-Api-Secret-Token`,
 * Meta's `hub.verify_token`). Both sides are hashed first so the lengths never leak either.
 */
export function secretMatches(given: unknown, expected: string | undefined): boolean {
  if (!expected || typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHmac('sha256', 'enlace-secret-compare').update(given).digest();
  const b = createHmac('sha256', 'enlace-secret-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}
