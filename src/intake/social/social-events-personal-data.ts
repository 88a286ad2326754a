import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { PersonalDataHandler, PersonalDataSubject } from '../../personal-data/personal-data-registry';
import { PLACEHOLDERS, type Redactor } from '../../personal-data/redact-identifiers';

/** The forms a platform id or phone takes inside a raw delivery (WhatsApp writes 521… without "+"). */
function needles(subject: PersonalDataSubject): string[] {
  const out = new Set<string>();
  for (const id of subject.identifiers.platformIds) if (id.trim().length >= 5) out.add(id.trim().replace(/^\+/, ''));
  for (const phone of subject.identifiers.phones) {
    const digits = phone.replace(/\D/g, '');
    if (digits.length < 8) continue;
    out.add(digits);
    if (digits.startsWith('52') && digits.length === 12) out.add(`521${digits.slice(2)}`);
  }
  return [...out];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

async function findRows(manager: EntityManager, subject: PersonalDataSubject, lock: boolean) {
  const patterns = needles(subject).map((n) => `%${n.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
  if (!patterns.length) return [];
  const rows: Array<{ id: string; platform: string; status: string; body: Buffer; result: unknown; received_at: Date }> = await manager.query(
    `SELECT id, platform, status, body, result, received_at FROM social_events
     WHERE convert_from(body, 'UTF8') LIKE ANY($1::text[]) ORDER BY id ${lock ? 'FOR UPDATE' : ''}`,
    [patterns],
  );
  return rows;
}

/** What, found in a decoded wamid, shows it is one of the citizen's conversations (see WAMID). */
export function wamidNeedles(subject: PersonalDataSubject): string[] {
  const out = new Set(needles(subject));
  for (const phone of subject.identifiers.phones) {
    const digits = phone.replace(/\D/g, '');
    if (digits.startsWith('52') && digits.length === 12) out.add(digits.slice(2)); // the 10 national digits
  }
  return [...out];
}

/**
 * WhatsApp message ids. Observed, not documented by Meta: `wamid.` followed by base64 of a small
 * binary record that holds the wa_id (phone number) of the other party — Meta's own sample
 * `wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA` decodes to …16505076520…. So a
 * wamid of a conversation with the citizen (their messages, ours to them and its statuses, the
 * `context.id` of a message answering ours) is their phone number in another spelling; one that
 * holds no identifier of theirs is left as it is (other people's, in a batched delivery).
 */
const WAMID = /wamid\.[A-Za-z0-9+/_=-]+/g;

/** Whether the wamid's decoded bytes hold one of these strings (see WAMID). */
export function wamidHoldsAnyOf(wamid: string, needles: string[]): boolean {
  const payload = wamid.slice('wamid.'.length).replace(/-/g, '+').replace(/_/g, '/');
  const decoded = Buffer.from(payload, 'base64').toString('latin1');
  return needles.some((n) => decoded.includes(n));
}

/** What a redacted wamid becomes: stable (one id stays one id) and no longer decodable. */
export function pseudonymousWamid(wamid: string): string {
  return `wamid.${createHash('sha256').update(wamid).digest('hex')}`;
}

/** What pseudonymousWamid() makes: never replaced again, so one message keeps one pseudonym. */
const PSEUDONYMOUS_WAMID = /^wamid\.[0-9a-f]{64}$/;

/**
 * The wamids in a stored value (not a raw delivery) that hold one of these needles (wamidNeedles),
 * as pseudonymousWamid(); one already pseudonymous stays, and so does what follows a wamid (a
 * ':<n>' suffix). Other people's wamids stay.
 */
export function pseudonymiseWamids(value: string, needles: string[]): string {
  if (!needles.length || !value.includes('wamid.')) return value;
  return value.replace(WAMID, (w) => (!PSEUDONYMOUS_WAMID.test(w) && wamidHoldsAnyOf(w, needles) ? pseudonymousWamid(w) : w));
}

/** Every string inside a JSON value (keys kept) through `text`. */
function mapJsonStrings(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => mapJsonStrings(v, text));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, mapJsonStrings(v, text)]));
  return value;
}

/**
 * The processing record of a delivery (`result`: `failures[].externalId`, errors) with the
 * citizen's wamids as pseudonymousWamid() and the rest of their identifiers redacted, like the
 * delivery itself.
 */
export function redactDeliveryResult(result: unknown, subject: PersonalDataSubject, redact: Redactor): unknown {
  const inWamids = wamidNeedles(subject);
  const ids = needles(subject);
  return mapJsonStrings(result, (value) => {
    let out = redact.text(pseudonymiseWamids(value, inWamids));
    for (const n of ids) out = out.split(n).join(PLACEHOLDERS.platformId);
    return out;
  });
}

/** A WhatsApp message (`from`, or `from_user_id` for users known by their business-scoped id) from the citizen. */
const fromCitizen = (m: Json, ids: Set<string>) => ids.has(str(m.from)) || ids.has(str(m.from_user_id));
/** A WhatsApp status of one of our messages to the citizen. */
const toCitizen = (st: Json, ids: Set<string>) => ids.has(str(st.recipient_id)) || ids.has(str(st.recipient_user_id));
/** A WhatsApp `contacts[]` entry (profile name, wa_id) of the citizen. */
const isCitizenContact = (c: Json, ids: Set<string>) => ids.has(str(c.wa_id)) || ids.has(str(c.user_id));

/** One JSON string literal (escapes included) or number, as they appear in the raw text. */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The citizen's identifiers taken out of one raw delivery. Meta escapes every non-ASCII character
 * in the JSON it sends ("Jos\u00e9 P\u00e9rez", "\/" in URLs), so matching the raw text would miss
 * accented names and words: each string literal is decoded (JSON.parse), redacted, and written back
 * (JSON.stringify) only when something changed; the rest of the body stays byte for byte. A number
 * that is one of the citizen's ids (Telegram's `from.id`, `chat.id`) becomes the placeholder string,
 * so the body stays valid JSON. The result no longer matches Meta's signature: nothing verifies a
 * stored body again (the signature is checked once, in the webhook controller, before storing).
 * WhatsApp message ids of the citizen's conversations hold their phone number (see WAMID): they
 * become pseudonymousWamid(). A body that is not JSON is redacted as plain text.
 */
export function redactDelivery(raw: string, subject: PersonalDataSubject, redact: Redactor): string {
  const ids = needles(subject);
  const idSet = new Set(ids);
  const inWamids = wamidNeedles(subject);
  const json = isJson(raw);
  const inText = (value: string): string => {
    let out = value.includes('wamid.') ? value.replace(WAMID, (w) => (wamidHoldsAnyOf(w, inWamids) ? pseudonymousWamid(w) : w)) : value;
    out = redact.text(out);
    for (const n of ids) out = out.split(n).join(PLACEHOLDERS.platformId);
    return out;
  };
  if (!json) return inText(raw);
  return raw.replace(JSON_TOKEN, (token) => {
    if (token.startsWith('"')) {
      const value = JSON.parse(token) as string;
      const redacted = inText(value);
      return redacted === value ? token : JSON.stringify(redacted);
    }
    return idSet.has(token) ? JSON.stringify(PLACEHOLDERS.platformId) : token;
  });
}

/**
 * What the ARCO export shows of one delivery: only what concerns the citizen. Meta batches several
 * users in one delivery (`entry[]`, `messaging[]`, WhatsApp `changes[].value` with `contacts[]`,
 * `messages[]`, `statuses[]`), so handing over the whole body would give away other people's names,
 * phone numbers and words. Kept: Messenger/Instagram events sent by or to the citizen; WhatsApp
 * messages from them, statuses of our messages to them and their `contacts[]` entry, with the
 * envelope (entry id and time, `field`, our own number in `metadata`). Telegram: the update when
 * the citizen sent it, without a message it answers written by someone else (a group).
 * `undefined`: nothing in it is the citizen's own (e.g. someone else's message mentions their
 * number), so nothing of it can be handed over. `null`: a body in no format we know how to split
 * (not JSON, another Meta `object`); the export lists the delivery for staff to review by hand.
 */
export function citizenPartsOfDelivery(platform: string, raw: string, ids: Set<string>): Json | null | undefined {
  if (!isJson(raw)) return null;
  const root = obj(JSON.parse(raw));
  if (platform === 'telegram') return telegramParts(root, ids);
  const object = str(root.object);
  const entries: Json[] = [];
  for (const entry of arr(root.entry).map(obj)) {
    const envelope = { ...(entry.id !== undefined ? { id: entry.id } : {}), ...(entry.time !== undefined ? { time: entry.time } : {}) };
    if (object === 'page' || object === 'instagram') {
      const mine = (ev: unknown) => ids.has(str(obj(obj(ev).sender).id)) || ids.has(str(obj(obj(ev).recipient).id));
      const messaging = arr(entry.messaging).filter(mine);
      const standby = arr(entry.standby).filter(mine);
      if (messaging.length || standby.length) entries.push({ ...envelope, ...(messaging.length ? { messaging } : {}), ...(standby.length ? { standby } : {}) });
    } else if (object === 'whatsapp_business_account') {
      const changes: Json[] = [];
      for (const change of arr(entry.changes).map(obj)) {
        const value = obj(change.value);
        const messages = arr(value.messages).map(obj).filter((m) => fromCitizen(m, ids));
        const statuses = arr(value.statuses).map(obj).filter((st) => toCitizen(st, ids));
        if (!messages.length && !statuses.length) continue;
        const contacts = arr(value.contacts).map(obj).filter((c) => isCitizenContact(c, ids));
        changes.push({
          field: change.field,
          value: {
            messaging_product: value.messaging_product,
            metadata: value.metadata,
            ...(contacts.length ? { contacts } : {}),
            ...(messages.length ? { messages } : {}),
            ...(statuses.length ? { statuses } : {}),
          },
        });
      }
      if (changes.length) entries.push({ ...envelope, changes });
    } else {
      return null;
    }
  }
  return entries.length ? { object, entry: entries } : undefined;
}

function telegramParts(update: Json, ids: Set<string>): Json | undefined {
  const key = Object.keys(update).find((k) => k !== 'update_id' && obj(update[k]) === update[k]);
  if (!key) return undefined;
  const payload = obj(update[key]);
  const theirs = (m: unknown) => ids.has(str(obj(obj(m).from).id)) || (obj(obj(m).chat).type === 'private' && ids.has(str(obj(obj(m).chat).id)));
  if (theirs(payload)) {
    const reply = payload.reply_to_message;
    const keepReply = reply === undefined || theirs(reply) || obj(obj(reply).from).is_bot === true;
    const { reply_to_message: _omitted, ...rest } = payload;
    return { update_id: update.update_id, [key]: keepReply ? payload : rest };
  }
  // someone else's message in a group, answering one of the citizen's: only theirs
  if (theirs(payload.reply_to_message)) return { update_id: update.update_id, [key]: { reply_to_message: payload.reply_to_message } };
  return undefined;
}

/**
 * Raw webhook deliveries hold the citizen's platform ids, profile name, phone and words. The ARCO
 * export lists the parts of them that concern the citizen (citizenPartsOfDelivery); anonymisation
 * redacts them in place, with their processing record (`result`), and a delivery still waiting is
 * not processed any more.
 */
export const socialEventsPersonalDataHandler: PersonalDataHandler = {
  name: 'social_events',
  tables: ['social_events'],
  async export(manager, subject) {
    const ids = new Set(needles(subject));
    const socialEvents = [];
    for (const r of await findRows(manager, subject, false)) {
      const delivery = citizenPartsOfDelivery(r.platform, r.body.toString('utf8'), ids);
      if (delivery !== undefined) socialEvents.push({ id: String(r.id), platform: r.platform, status: r.status, receivedAt: r.received_at, delivery });
    }
    return { socialEvents };
  },
  async erase(manager, subject, redact) {
    for (const r of await findRows(manager, subject, true)) {
      const body = redactDelivery(r.body.toString('utf8'), subject, redact);
      await manager.query(
        `UPDATE social_events SET body = $2, body_sha256 = $3, result = $4::jsonb,
           status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
           last_error = CASE WHEN status = 'pending' THEN 'no procesado: datos personales anonimizados' ELSE last_error END
         WHERE id = $1`,
        [
          r.id,
          Buffer.from(body, 'utf8'),
          createHash('sha256').update(body).update(`:${r.id}`).digest('hex'),
          JSON.stringify(redactDeliveryResult(r.result ?? {}, subject, redact)),
        ],
      );
    }
  },
};
