/** Where a report came from. Social networks may arrive by webhook or forwarded by the press office. */
export const TICKET_CHANNELS = [
  'email',
  'phone',
  'walk_in',
  'staff',
  'messenger',
  'instagram',
  'whatsapp',
  'telegram',
  'facebook',
  'x',
  'tiktok',
  'youtube',
  'other',
] as const;
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

/**
 * The social networks. A ticket came from social media (SPEC §1: what the press office reads, the
 * "Redes sociales" of the monthly report) when it is on one of them or the press office forwarded
 * it; `other` is not one: an agent also captures letters and the like on it.
 */
export const SOCIAL_CHANNELS: readonly TicketChannel[] = ['messenger', 'instagram', 'whatsapp', 'telegram', 'facebook', 'x', 'tiktok', 'youtube'];

export function cameFromSocialMedia(ticket: { channel: string; forwarded: boolean }): boolean {
  return ticket.forwarded || (SOCIAL_CHANNELS as readonly string[]).includes(ticket.channel);
}

/** Channels an agent may use when capturing a report by hand. */
export const CAPTURE_CHANNELS: readonly TicketChannel[] = ['phone', 'walk_in', 'staff', 'email', 'other'];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
