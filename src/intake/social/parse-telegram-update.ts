import { leftCodePoints } from '../../common/code-points';
import { describeItem, type MediaRef, type SocialItem } from './social-item';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export type TelegramParseResult = { item: SocialItem; ignored: null } | { item: null; ignored: string };

/**
 * One Telegram Update → one citizen message: text, the largest photo size, captions, documents,
 * voice/audio, video and video notes, location and venue, shared contacts. An edited message
 * becomes an item marked as an edit (`editOf`: the original's id; ignored when its text or caption
 * is empty, e.g. a live location moving). A bot command at the start is taken off (`/reporte
 * Fuga de agua…` is the report `Fuga de agua…`); a command alone (`/start`, `/help`,
 * `/start@Bot`, a `/start` deep link) is ignored. Channel posts, group chats, bots, callbacks,
 * stickers, dice and polls are ignored.
 *
 * The message's external id is `<chat id>:<message_id>` (message ids are unique within a chat,
 * and replies are stored in the same form), not the `update_id`: the Bot API numbers updates
 * afresh — from a random value after a week without updates, or for a recreated bot — so a new
 * message could carry the id of an old one and be dropped as its duplicate. A redelivered update
 * carries the same message, so it is still recognised.
 */
export function parseTelegramUpdate(body: unknown): TelegramParseResult {
  const update = obj(body);
  const updateId = num(update?.update_id);
  if (!update || updateId === null) return { item: null, ignored: 'not_an_update' };
  const edited = obj(update.message) ? null : obj(update.edited_message);
  const message = obj(update.message) ?? edited;
  if (!message) return { item: null, ignored: Object.keys(update).find((k) => k !== 'update_id')?.slice(0, 40) ?? 'empty' };
  const from = obj(message.from);
  const userId = str(from?.id);
  if (!from || !userId) return { item: null, ignored: 'no_sender' };
  if (from.is_bot === true) return { item: null, ignored: 'bot' };
  const chat = obj(message.chat);
  // only one-to-one chats: a group's messages are not a citizen's report, and a reply must never go to a group
  if (chat && chat.type !== 'private') return { item: null, ignored: 'not_private_chat' };
  // a private chat's id is the user's id
  const chatId = str(chat?.id) ?? userId;
  const messageId = str(message.message_id);
  if (!messageId) return { item: null, ignored: 'no_message_id' };
  // stickers, dice and polls say nothing to answer (like a reaction): no ticket, no status change
  for (const key of ['sticker', 'dice', 'poll'] as const) if (obj(message[key])) return { item: null, ignored: key };
  const rawText = str(message.text);
  const own = rawText !== null ? withoutCommand(rawText, message.entities) : withoutCommand(str(message.caption), message.caption_entities);
  // an edit says something only through its text: a live location's updates come as edits too
  if (edited && !own.text.trim()) return { item: null, ignored: own.command ? 'bot_command' : 'edited_without_text' };
  const media: MediaRef[] = [];
  const photos = Array.isArray(message.photo) ? message.photo.map(obj).filter((p): p is Json => !!p && !!str(p.file_id)) : [];
  if (photos.length) {
    const largest = photos.reduce((best, p) => (area(p) > area(best) ? p : best));
    media.push({ kind: 'image', source: { type: 'telegram_file', fileId: str(largest.file_id)! }, size: num(largest.file_size) });
  }
  for (const [key, kind] of [['document', 'document'], ['voice', 'audio'], ['audio', 'audio'], ['video', 'video'], ['video_note', 'video']] as const) {
    const f = obj(message[key]);
    const fileId = str(f?.file_id);
    if (fileId) media.push({ kind, source: { type: 'telegram_file', fileId }, filename: str(f?.file_name), mimeType: str(f?.mime_type), size: num(f?.file_size) });
  }
  // a venue also sets `location` (Telegram keeps both); its title and address name the place
  const venue = obj(message.venue);
  const loc = obj(message.location) ?? obj(venue?.location);
  const lat = num(loc?.latitude);
  const long = num(loc?.longitude);
  const location = lat !== null && long !== null ? { latitude: lat, longitude: long, ...(venue ? { name: str(venue.title), address: str(venue.address) } : {}) } : null;
  const contact = obj(message.contact);
  // `/start` (sent by the app when the chat is opened), `/help`… on their own are not reports
  if (own.command && !own.text.trim() && !media.length && !location && !contact) return { item: null, ignored: 'bot_command' };
  const text = [own.text.trim(), contact ? describeContact(contact) : null].filter(Boolean).join('\n');
  const name = [str(from.first_name), str(from.last_name)].filter(Boolean).join(' ') || null;
  const editDate = edited ? num(message.edit_date) : null;
  const date = editDate ?? num(message.date);
  return {
    ignored: null,
    item: {
      channel: 'telegram',
      // an edit: its own id (the edit date, else the update), so a later edit is not its duplicate
      externalId: edited ? `${chatId}:${messageId}:edit:${editDate ?? `u${updateId}`}` : `${chatId}:${messageId}`,
      editOf: edited ? `${chatId}:${messageId}` : null,
      userId,
      businessId: str(chat?.id),
      name,
      handle: str(from.username) ? `@${str(from.username)}` : null,
      timestamp: date !== null ? new Date(date * 1000) : new Date(),
      text: describeItem(text, media, location),
      media,
      location,
    },
  };
}

/**
 * The text without a bot command at its start (`/reporte Fuga de agua…` → `Fuga de agua…`): the
 * words after it are the report. `/start <parameter>` is a deep link (the app sends it when the
 * chat is opened from a t.me/<bot>?start=… link, the parameter up to 64 of A-Z a-z 0-9 _ -): no
 * words of the citizen. Offsets are in UTF-16 code units, as JavaScript strings count.
 */
function withoutCommand(text: string | null, entities: unknown): { text: string; command: boolean } {
  if (!text) return { text: '', command: false };
  const first = obj(Array.isArray(entities) ? entities[0] : null);
  const length = num(first?.length);
  if (first?.type !== 'bot_command' || first.offset !== 0 || length === null || length <= 0) return { text, command: false };
  const command = text.slice(0, length);
  const rest = text.slice(length);
  if (/^\/start(@\w+)?$/i.test(command) && /^\s*[A-Za-z0-9_-]{1,64}\s*$/.test(rest)) return { text: '', command: true };
  return { text: rest.trim(), command: true };
}

/** "[contacto: name, tel. phone]" of a contact the citizen shared. */
function describeContact(c: Json): string {
  const name = leftCodePoints([str(c.first_name), str(c.last_name)].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim(), 200);
  const phone = str(c.phone_number)?.trim().slice(0, 40);
  const parts = [name || null, phone ? `tel. ${phone}` : null].filter(Boolean);
  return `[contacto: ${parts.join(', ') || 'sin datos'}]`;
}

function area(p: Json): number {
  return (num(p.width) ?? 0) * (num(p.height) ?? 0) || (num(p.file_size) ?? 0);
}
