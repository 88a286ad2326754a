/** Platforms whose messages arrive by webhook and whose users we can answer through their API. */
export const WEBHOOK_CHANNELS = ['messenger', 'instagram', 'whatsapp', 'telegram'] as const;
export type WebhookChannel = (typeof WEBHOOK_CHANNELS)[number];

export function isWebhookChannel(channel: string): channel is WebhookChannel {
  return (WEBHOOK_CHANNELS as readonly string[]).includes(channel);
}

/** Where a piece of media can be fetched from. */
export type MediaSource =
  | { type: 'url'; url: string } // Messenger / Instagram: a CDN URL in the payload
  | { type: 'meta_media'; id: string } // WhatsApp: a media id resolved through the Graph API
  | { type: 'telegram_file'; fileId: string }; // Telegram: getFile → file_path

export interface MediaRef {
  kind: 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'file';
  source: MediaSource;
  filename?: string | null;
  mimeType?: string | null;
  /** size announced by the platform, when it says */
  size?: number | null;
}

/**
 * One citizen message taken out of a platform delivery, before media is downloaded.
 * Pure data: produced by the parsers, consumed by SocialIntakeProcessor.
 */
export interface SocialItem {
  channel: WebhookChannel;
  /** Meta `mid`, WhatsApp `wamid`, Telegram `update_id` */
  externalId: string;
  /** PSID, IGSID, WhatsApp wa_id (or BSUID), Telegram user id */
  userId: string;
  /** our side of the conversation: Page id, IG account id, WhatsApp phone_number_id, Telegram chat id */
  businessId: string | null;
  name: string | null;
  handle: string | null;
  timestamp: Date;
  text: string;
  media: MediaRef[];
  location: { latitude: number; longitude: number; name?: string | null; address?: string | null } | null;
}

export const MEDIA_LABELS: Record<MediaRef['kind'], string> = {
  image: 'imagen',
  audio: 'audio',
  video: 'video',
  document: 'documento',
  sticker: 'sticker',
  file: 'archivo',
};

/** The text of a message that has no words of its own: "[imagen]", "[ubicación: …]". */
export function describeItem(text: string, media: MediaRef[], location: SocialItem['location']): string {
  const parts: string[] = [];
  if (text.trim()) parts.push(text.trim());
  if (location) {
    const where = [location.name, location.address].filter(Boolean).join(', ');
    parts.push(`[ubicación: ${where ? `${where} ` : ''}(${location.latitude}, ${location.longitude})]`);
  }
  if (!text.trim()) for (const m of media) parts.push(`[${MEDIA_LABELS[m.kind]}${m.filename ? `: ${m.filename}` : ''}]`);
  return parts.join('\n') || '[mensaje sin texto]';
}
