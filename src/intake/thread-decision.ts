import type { TicketStatus } from '../tickets/ticket-status';

/**
 * What a citizen's new message does to the ticket it belongs to (SPEC §2, automatic moves):
 * - `resume`: waiting_citizen / resolved → in_progress
 * - `reopen`: closed within the reopen window → in_progress
 * - `new_linked`: closed longer ago → a new ticket linked to the old one
 * - `append`: anything else, the status stays
 */
export type ThreadDecision = 'append' | 'resume' | 'reopen' | 'new_linked';

const DAY_MS = 86_400_000;

export function decideThreading(
  status: TicketStatus,
  closedAt: Date | null,
  now: Date,
  reopenWindowDays: number,
): ThreadDecision {
  switch (status) {
    case 'waiting_citizen':
    case 'resolved':
      return 'resume';
    case 'closed': {
      const since = closedAt ? now.getTime() - closedAt.getTime() : Number.POSITIVE_INFINITY;
      return since <= reopenWindowDays * DAY_MS ? 'reopen' : 'new_linked';
    }
    default:
      return 'append';
  }
}
