import type { AuthenticatedUser } from '../auth/authenticated-user';
import { cameFromSocialMedia } from './ticket-channel';

/** Press users read tickets that came from social media: a social network's, or forwarded by the press office (SPEC §1). */
export function canReadTicket(
  user: AuthenticatedUser,
  ticket: { channel: string; forwardedById: string | null },
): boolean {
  if (user.role !== 'press') return true;
  return cameFromSocialMedia({ channel: ticket.channel, forwarded: ticket.forwardedById !== null });
}

/**
 * Press users see a ticket's public thread (SPEC §1) and their own notes; internal entries (other
 * people's notes, recorded bounces and auto-replies) are for the rest of the staff.
 */
export function canSeeMessage(
  user: AuthenticatedUser,
  message: { direction: string; authorUserId: string | null; public: boolean },
): boolean {
  if (user.role !== 'press') return true;
  if (message.direction === 'note') return message.authorUserId === user.id;
  return message.public;
}
