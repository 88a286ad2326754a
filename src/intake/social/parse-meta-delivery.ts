import { describeItem, type MediaRef, type PlatformDeliveryFailure, type SocialItem } from './social-item';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

export interface MetaParseResult {
  items: SocialItem[];
  /**
   * WhatsApp `statuses[]` with status `failed`: a message of ours the send API had accepted (200
   * and a wamid) that WhatsApp could not deliver after all, e.g. 131047 when the 24-hour window
   * had closed
   */
  deliveryFailures: PlatformDeliveryFailure[];
  /** what was skipped and why (echoes, statuses, reads…), for the event's record */
  ignored: Record<string, number>;
}

/**
 * Splits one Meta webhook delivery into citizen messages (Messenger `object: page`, Instagram
 * `object: instagram`, WhatsApp Cloud API `object: whatsapp_business_account`). Echoes of our own
 * messages, delivery/read receipts, WhatsApp `statuses[]` other than `failed`, reactions, stickers
 * sent on their own, Messenger / Instagram messages with nothing readable (`is_unsupported`) and
 * WhatsApp messages whose content Cloud API does not give (`unsupported`, `unknown`) produce no
 * item — they are counted in `ignored`. A `failed` status becomes a delivery failure (never a
 * ticket). Messenger / Instagram `message_edit` becomes an item marked as an edit (`editOf`).
 */
export function parseMetaDelivery(body: unknown): MetaParseResult {
  const result: MetaParseResult = { items: [], deliveryFailures: [], ignored: {} };
  const skip = (why: string) => (result.ignored[why] = (result.ignored[why] ?? 0) + 1);
  const root = obj(body);
  const object = str(root?.object);
  if (!root || !object) {
    skip('not_a_meta_delivery');
    return result;
  }
  for (const entryRaw of arr(root.entry)) {
    const entry = obj(entryRaw);
    if (!entry) continue;
    if (object === 'page' || object === 'instagram') {
      // `standby`: the same events while another app (e.g. the Page inbox) holds the conversation
      const channel = object === 'page' ? 'messenger' : 'instagram';
      for (const ev of [...arr(entry.messaging), ...arr(entry.standby)]) {
        const event = obj(ev);
        const edit = obj(event?.message_edit);
        if (event && edit) parseMessageEdit(channel, event, edit, str(entry.id), result.items, skip);
        else parseMessagingEvent(channel, event, result.items, skip);
      }
    } else if (object === 'whatsapp_business_account') {
      for (const ch of arr(entry.changes)) parseWhatsAppChange(obj(ch), result, skip);
    } else {
      skip(`object_${object.slice(0, 40)}`);
    }
  }
  return result;
}

/** Attachment types that carry a shared link or post, not a file: their title and URL go into the text. */
const SHARED_LINK_TYPES = new Set(['fallback', 'template', 'post', 'ig_post', 'share']);
/** Sticker attachments: `sticker`, and `like_heart` (Instagram's heart sticker). */
const STICKER_TYPES = new Set(['sticker', 'like_heart']);

function parseMessagingEvent(channel: 'messenger' | 'instagram', ev: Json | null, out: SocialItem[], skip: (w: string) => void): void {
  const message = obj(ev?.message);
  if (!ev || !message) return skip(ev?.read ? 'read' : ev?.delivery ? 'delivery' : 'not_a_message');
  if (message.is_echo === true) return skip('echo');
  if (message.is_deleted === true) return skip('deleted');
  const mid = str(message.mid);
  const userId = str(obj(ev.sender)?.id);
  if (!mid || !userId) return skip('incomplete');
  const media: MediaRef[] = [];
  const links: string[] = [];
  let location: SocialItem['location'] = null;
  let stickers = 0;
  const text = str(message.text) ?? '';
  for (const aRaw of arr(message.attachments)) {
    const a = obj(aRaw);
    const payload = obj(a?.payload);
    const type = str(a?.type);
    if (type === 'location') {
      const c = obj(payload?.coordinates);
      const lat = num(c?.lat);
      const long = num(c?.long);
      if (lat !== null && long !== null) location = { latitude: lat, longitude: long, name: str(a?.title) };
      continue;
    }
    // a sticker (the 👍 "like" included): `type: sticker`, or — before Meta's sticker attachment
    // type, and alongside it during the transition — an image whose payload has a sticker_id
    if ((type && STICKER_TYPES.has(type)) || payload?.sticker_id !== undefined || (type === 'image' && message.sticker_id !== undefined)) {
      stickers += 1;
      continue;
    }
    if (type && SHARED_LINK_TYPES.has(type)) {
      // never downloaded: the URL is a page anywhere on the web (or a Meta post), not a file
      const link = describeSharedLink(a!, payload, text);
      if (link && !links.includes(link)) links.push(link);
      continue;
    }
    const url = str(payload?.url);
    if (!url) continue;
    const kind: MediaRef['kind'] = type === 'image' || type === 'audio' || type === 'video' ? type : 'file';
    media.push({ kind, source: { type: 'url', url } });
  }
  const nothing = !text.trim() && !media.length && !links.length && !location;
  // a sticker on its own says nothing to answer (like a reaction): no ticket, no status change
  if (stickers > 0 && nothing) return skip('sticker');
  // content the platform does not give us (Instagram `is_unsupported`: media the API does not
  // support), or none we can read: like WhatsApp `unsupported`, no ticket, no status change
  if (nothing) return skip(message.is_unsupported === true || arr(message.attachments).length ? 'unsupported' : 'empty');
  out.push({
    channel,
    externalId: mid,
    userId,
    businessId: str(obj(ev.recipient)?.id),
    name: null,
    handle: null,
    timestamp: timestampMs(num(ev.timestamp)),
    text: describeItem([text.trim(), ...links].filter(Boolean).join('\n'), media, location),
    media,
    location,
  });
}

/**
 * Messenger / Instagram `message_edit` ({ mid, text, num_edit }): the new text of an earlier
 * message, as an item of its own named `<mid>:edit:<num_edit>` (the edit date when the number is
 * missing) with `editOf` the original mid. `num_edit` 0 is the message as first sent: its own mid,
 * so it is the duplicate of the `message` event. An edit without text, or by our own account (the
 * entry's id as sender), is ignored.
 */
function parseMessageEdit(channel: 'messenger' | 'instagram', ev: Json, edit: Json, ownId: string | null, out: SocialItem[], skip: (w: string) => void): void {
  const mid = str(edit.mid);
  const userId = str(obj(ev.sender)?.id);
  if (!mid || !userId) return skip('incomplete');
  if (ownId !== null && userId === ownId) return skip('echo');
  const text = str(edit.text)?.trim() ?? '';
  if (!text) return skip('edit_without_text');
  const numEdit = num(edit.num_edit);
  const timestamp = num(ev.timestamp);
  const isEdit = numEdit === null || numEdit > 0;
  if (isEdit && numEdit === null && timestamp === null) return skip('incomplete');
  out.push({
    channel,
    externalId: isEdit ? `${mid}:edit:${numEdit ?? `t${timestamp}`}` : mid,
    userId,
    businessId: str(obj(ev.recipient)?.id),
    name: null,
    handle: null,
    timestamp: timestampMs(timestamp),
    text,
    media: [],
    location: null,
    editOf: isEdit ? mid : null,
  });
}

/**
 * "[enlace compartido: title — url]" of a shared link (`fallback`: the v6+ payload {url, title}, or
 * the older attachment-level title / URL), a shared post (`post`, `ig_post`, Instagram `share`:
 * payload {url, title}) or a template (payload.elements[0]: title, default_action.url). The URL is
 * left out when the message text already has it.
 */
function describeSharedLink(a: Json, payload: Json | null, text: string): string {
  const element = obj(arr(payload?.elements)[0]) ?? obj(arr(obj(payload?.product)?.elements)[0]);
  const title = clip(str(payload?.title) ?? str(a.title) ?? str(element?.title), 300);
  const url = clip(
    str(payload?.url) ?? str(a.url) ?? str(a.URL) ?? str(obj(element?.default_action)?.url) ?? str(element?.url) ?? str(element?.item_url),
    2000,
  );
  const parts = [title, url && !text.includes(url) ? url : null].filter(Boolean);
  return parts.length ? `[enlace compartido: ${parts.join(' — ')}]` : '[contenido compartido]';
}

function clip(v: string | null, max: number): string | null {
  const t = v?.replace(/\s+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
}

/**
 * WhatsApp message types that are no report: reactions, system notices, disappearing-message
 * settings, stickers (no caption possible); `unsupported` (edits, polls, some reactions, pins… —
 * Cloud API gives no content, only `unsupported.type`), `unknown`, and `request_welcome` (the
 * user opened the chat for the first time, before writing anything).
 */
const WHATSAPP_SKIPPED = new Set(['reaction', 'system', 'ephemeral', 'sticker', 'unsupported', 'unknown', 'request_welcome']);

/** "[contacto: name, tel. +52 444 123 4567, …]" of a contact card the citizen shared. */
function describeSharedContact(c: Json): string {
  const n = obj(c.name);
  const name = clip(str(n?.formatted_name) ?? ([str(n?.first_name), str(n?.last_name)].filter(Boolean).join(' ') || null), 200);
  const phones = arr(c.phones)
    .map(obj)
    .map((p) => clip(str(p?.phone) ?? str(p?.wa_id), 40))
    .filter((p): p is string => !!p)
    .slice(0, 10);
  const parts = [name, phones.length ? `tel. ${phones.join(', ')}` : null].filter(Boolean);
  return `[contacto: ${parts.join(', ') || 'sin datos'}]`;
}

function parseWhatsAppChange(change: Json | null, result: MetaParseResult, skip: (w: string) => void): void {
  const out = result.items;
  const value = obj(change?.value);
  if (!value) return skip('incomplete');
  for (const sRaw of arr(value.statuses)) {
    const status = obj(sRaw);
    const id = str(status?.id);
    if (!status || str(status.status) !== 'failed') {
      skip('status');
      continue;
    }
    if (!id) {
      skip('incomplete');
      continue;
    }
    result.deliveryFailures.push({
      channel: 'whatsapp',
      platformMessageId: id,
      recipientId: str(status.recipient_id),
      timestamp: timestampMs(num(status.timestamp) !== null ? num(status.timestamp)! * 1000 : null),
      errors: arr(status.errors)
        .map(obj)
        .filter((e): e is Json => !!e)
        .slice(0, 10)
        .map((e) => ({
          code: num(e.code),
          title: clip(str(e.title), 200),
          details: clip(str(obj(e.error_data)?.details) ?? str(e.message), 300),
        })),
    });
  }
  const phoneNumberId = str(obj(value.metadata)?.phone_number_id);
  const contacts = arr(value.contacts).map(obj).filter((c): c is Json => !!c);
  for (const mRaw of arr(value.messages)) {
    const m = obj(mRaw);
    const id = str(m?.id);
    const from = str(m?.from) ?? str(m?.from_user_id);
    if (!m || !id || !from) {
      skip('incomplete');
      continue;
    }
    const type = str(m.type) ?? 'unknown';
    if (WHATSAPP_SKIPPED.has(type)) {
      skip(type);
      continue;
    }
    const contact = contacts.find((c) => str(c.wa_id) === from || str(c.user_id) === from) ?? (contacts.length === 1 ? contacts[0] : null);
    const media: MediaRef[] = [];
    let location: SocialItem['location'] = null;
    let text = '';
    const body = obj(m[type]);
    switch (type) {
      case 'text':
        text = str(body?.body) ?? '';
        break;
      case 'image':
      case 'audio':
      case 'video':
      case 'document': {
        const mediaId = str(body?.id);
        text = str(body?.caption) ?? '';
        if (mediaId) {
          media.push({ kind: type, source: { type: 'meta_media', id: mediaId }, filename: str(body?.filename), mimeType: str(body?.mime_type) });
        }
        break;
      }
      case 'location': {
        const lat = num(body?.latitude);
        const long = num(body?.longitude);
        if (lat !== null && long !== null) location = { latitude: lat, longitude: long, name: str(body?.name), address: str(body?.address) };
        break;
      }
      case 'button':
        text = str(body?.text) ?? '';
        break;
      case 'interactive':
        text = str(obj(body?.button_reply)?.title) ?? str(obj(body?.list_reply)?.title) ?? '';
        break;
      case 'contacts':
        // `contacts` is an array at the message's top level (what m[type] reads)
        text = arr(m.contacts).map(obj).filter((c): c is Json => !!c).map(describeSharedContact).join('\n');
        break;
      default:
        // the type's name is WhatsApp's (English): the citizen's page shows this text
        text = '[mensaje de WhatsApp de un tipo no compatible]';
    }
    out.push({
      channel: 'whatsapp',
      externalId: id,
      userId: str(contact?.wa_id) ?? from,
      businessId: phoneNumberId,
      name: str(obj(contact?.profile)?.name),
      handle: str(contact?.username),
      timestamp: timestampMs(num(m.timestamp) !== null ? num(m.timestamp)! * 1000 : null),
      text: describeItem(text, media, location),
      media,
      location,
    });
  }
}

function timestampMs(ms: number | null): Date {
  const d = ms !== null ? new Date(ms) : new Date();
  return Number.isNaN(d.getTime()) ? new Date() : d;
}
