import type { AuthenticatedUser } from '../auth/authenticated-user';
import { SOCIAL_CHANNELS, type TicketChannel } from './ticket-channel';

/** Press users read tickets that came from social channels or that they forwarded (SPEC §1). */
export function canReadTicket(
  user: AuthenticatedUser,
  ticket: { channel: string; forwardedById: string | null },
): boolean {
  if (user.role !== 'press') return true;
  return SOCIAL_CHANNELS.includes(ticket.channel as TicketChannel) || ticket.forwardedById === user.id;
}

/** Notes are internal: press users see only their own. Everyone else on staff sees all. */
export function canSeeMessage(
  user: AuthenticatedUser,
  message: { direction: string; authorUserId: string | null },
): boolean {
  if (user.role !== 'press') return true;
  return message.direction !== 'note' || message.authorUserId === user.id;
}
