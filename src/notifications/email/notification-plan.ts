import type { TicketStatus } from '../../tickets/ticket-status';
import type { EmailTemplateKind } from './email-templates';
import { normalizeMessageId } from './message-id';

/**
 * Channels with their own way back to the citizen (a platform's send API, issue #5). Tickets
 * from them are answered there, not by email.
 */
export const DIRECT_REPLY_CHANNELS: readonly string[] = [
  'messenger',
  'instagram',
  'whatsapp',
  'telegram',
];

export function emailAppliesTo(ticketChannel: string): boolean {
  return !DIRECT_REPLY_CHANNELS.includes(ticketChannel);
}

/** The status changes a citizen hears about by email, and the template of each. */
const STATUS_TEMPLATES: Partial<Record<TicketStatus, EmailTemplateKind>> = {
  assigned: 'status-assigned',
  in_progress: 'status-in-progress',
  waiting_citizen: 'status-waiting-citizen',
  resolved: 'status-resolved',
  closed: 'status-closed',
  rejected: 'status-rejected',
};

/**
 * The mail for a status change. Two changes have their own:
 * - a rejection that is a merge (the report was joined to another one dealing with the same
 *   problem): `status-merged`, never "no procede";
 * - `rejected → new` (a supervisor reverses a rejection, which also undoes a merge):
 *   `status-reactivated`.
 */
export function statusTemplate(
  from: TicketStatus,
  to: TicketStatus,
  opts: { merged?: boolean } = {},
): EmailTemplateKind | null {
  if (to === 'rejected' && opts.merged) return 'status-merged';
  if (to === 'new') return from === 'rejected' ? 'status-reactivated' : null;
  return STATUS_TEMPLATES[to] ?? null;
}

export interface ThreadEntry {
  direction: string;
  externalId: string | null;
}

const MAX_REFERENCES = 20;

/**
 * Threading headers for a new mail on a ticket, from its email messages in order:
 * In-Reply-To is the citizen's last message (else our last one); References keeps the first
 * message (the thread root) and the most recent ones, oldest first.
 */
export function threadHeaders(entries: ThreadEntry[]): {
  inReplyTo: string | null;
  references: string[];
} {
  const valid = entries
    .map((e) => ({ direction: e.direction, id: normalizeMessageId(e.externalId) }))
    .filter((e): e is { direction: string; id: string } => e.id !== null);
  const unique: typeof valid = [];
  for (const e of valid) if (!unique.some((u) => u.id === e.id)) unique.push(e);
  const lastInbound = [...unique].reverse().find((e) => e.direction === 'inbound');
  const inReplyTo = lastInbound?.id ?? unique[unique.length - 1]?.id ?? null;
  let references = unique.map((e) => e.id);
  if (references.length > MAX_REFERENCES)
    references = [references[0], ...references.slice(-(MAX_REFERENCES - 1))];
  return { inReplyTo, references };
}

export type RecipientChoice =
  { address: string } | { skip: 'no_email' | 'undeliverable' | 'own_address' };

/**
 * Which of a citizen's email identities to write to: the newest deliverable one that is not one
 * of our own addresses (never mail ourselves: that is how loops start).
 */
export function pickRecipient(
  identities: Array<{ value: string; undeliverable: boolean }>,
  ownAddresses: readonly string[],
): RecipientChoice {
  if (!identities.length) return { skip: 'no_email' };
  const own = new Set(ownAddresses.map((a) => a.toLowerCase()));
  const notOwn = identities.filter((i) => !own.has(i.value.toLowerCase()));
  if (!notOwn.length) return { skip: 'own_address' };
  const deliverable = notOwn.find((i) => !i.undeliverable);
  return deliverable ? { address: deliverable.value.toLowerCase() } : { skip: 'undeliverable' };
}
