import { randomBytes } from 'node:crypto';

/** Our RFC 5322 Message-ID: `<enlace.{random}@{domain}>`, written once per outbox row. */
export function generateMessageId(
  domain: string,
  random: string = randomBytes(16).toString('hex'),
): string {
  const host =
    domain
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '') || 'localhost';
  return `<enlace.${random}@${host}>`;
}

const MSG_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

/** A usable msg-id for In-Reply-To/References, normalised to `<…>`; null for anything else. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = value.trim();
  const wrapped = v.startsWith('<') ? v : `<${v}>`;
  return MSG_ID.test(wrapped) && wrapped.length <= 998 ? wrapped : null;
}
