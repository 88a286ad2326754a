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

/** Channels the press office may read (SPEC §1: tickets that came from social channels). */
export const SOCIAL_CHANNELS: readonly TicketChannel[] = [
  'messenger',
  'instagram',
  'whatsapp',
  'telegram',
  'facebook',
  'x',
  'tiktok',
  'youtube',
  'other',
];

/** Channels an agent may use when capturing a report by hand. */
export const CAPTURE_CHANNELS: readonly TicketChannel[] = ['phone', 'walk_in', 'staff', 'email', 'other'];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
