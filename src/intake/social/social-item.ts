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
  /**
   * Meta `mid`, WhatsApp `wamid`, Telegram `<chat id>:<message_id>` (the form replies are stored
   * in; messages stored earlier keep the `update_id` they had, which the Bot API may reset)
   */
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
  /**
   * An edit of an earlier message (Telegram `edited_message`, Messenger / Instagram
   * `message_edit`): the external id of the message it corrects. `externalId` then names this edit
   * (`<original>:edit:<edit number or edit date>`): a redelivery of the same edit is a duplicate, a
   * later edit is not. The processor stores it on the original's ticket, marked as an edit.
   */
  editOf?: string | null;
}

/**
 * A message of ours the platform accepted and later reported as not delivered (WhatsApp
 * `statuses[]` with status `failed`, e.g. 131047 "Re-engagement message": the 24-hour window had
 * closed).
 */
export interface PlatformDeliveryFailure {
  channel: 'whatsapp';
  /** the wamid the send API answered with */
  platformMessageId: string;
  recipientId: string | null;
  timestamp: Date;
  errors: Array<{ code: number | null; title: string | null; details: string | null }>;
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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;
const cleanId = (v: string, max: number) => v.replace(CONTROL, '').trim().slice(0, max);
const cleanText = (v: string | null | undefined, max: number) => (v ? v.replace(CONTROL, ' ').trim().slice(0, max) || null : null);

/**
 * What a platform sent, made storable: no control characters in ids and names (a NUL cannot be
 * stored), names and handles within their columns, a timestamp that is a real date. Null when the
 * ids are left empty — such an item cannot be told apart from another and is ignored.
 */
export function cleanItem(item: SocialItem): SocialItem | null {
  const externalId = cleanId(item.externalId, 998);
  const userId = cleanId(item.userId, 300);
  if (!externalId || !userId) return null;
  return {
    ...item,
    externalId,
    userId,
    businessId: item.businessId === null ? null : cleanId(item.businessId, 300) || null,
    editOf: item.editOf ? cleanId(item.editOf, 998) || null : null,
    name: cleanText(item.name, 200),
    handle: cleanText(item.handle, 199),
    timestamp: Number.isNaN(item.timestamp.getTime()) ? new Date() : item.timestamp,
    location: item.location
      ? { ...item.location, name: cleanText(item.location.name, 200), address: cleanText(item.location.address, 300) }
      : null,
  };
}
