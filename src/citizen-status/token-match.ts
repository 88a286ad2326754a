import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time comparison of a status-page token with the ticket's. Hashing first makes the
 * comparison independent of where the strings differ and of their lengths; with no stored token
 * (unknown folio) the same work is done against a dummy, so both cases take the same time.
 */
export function tokenMatches(
  given: string | null | undefined,
  stored: string | null | undefined,
): boolean {
  const a = digest(typeof given === 'string' ? given : '');
  const b = digest(typeof stored === 'string' && stored ? stored : '\u0000no-ticket');
  const equal = timingSafeEqual(a, b);
  return (
    equal &&
    typeof stored === 'string' &&
    stored.length > 0 &&
    typeof given === 'string' &&
    given.length > 0
  );
}
