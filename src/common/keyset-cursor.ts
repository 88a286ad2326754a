import { isDateTime } from './is-date-time';

const MAX_BIGINT = 9223372036854775807n;

/** Opaque keyset cursor for "newest first" lists: (created_at, id) of the last row seen. */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(`${pos.createdAt}|${pos.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition | null {
  let raw: string;
  try {
    raw = Buffer.from(cursor, 'base64url').toString('utf8');
  } catch {
    return null;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)\|(\d{1,19})$/.exec(raw);
  // a real instant (not 30 February) and an id PostgreSQL's bigint holds: a forged cursor is "invalid", never a database error
  if (!m || !isDateTime(m[1]) || BigInt(m[2]) > MAX_BIGINT) return null;
  return { createdAt: m[1], id: m[2] };
}
