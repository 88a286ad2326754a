import { signMetaBody } from '../../src/intake/social/webhook-signature';

/** Webhook bodies in the shapes Meta and Telegram document (see src/intake/social/parse-*.ts). */
export const META_APP_SECRET = 'meta-app-secret-for-tests';
export const META_VERIFY_TOKEN = 'verify-token-for-tests';
export const TELEGRAM_SECRET = 'telegram_secret-token-1';

let n = 0;
const seq = () => `${Date.now().toString(36)}${(n += 1)}`;

export function messengerDelivery(
  psid: string,
  text: string,
  opts: { mid?: string; page?: string; object?: 'page' | 'instagram'; attachments?: unknown[]; timestamp?: number; echo?: boolean } = {},
) {
  const page = opts.page ?? 'PAGE-SLP';
  const message: Record<string, unknown> = { mid: opts.mid ?? `m_${seq()}`, text };
  if (opts.attachments) message.attachments = opts.attachments;
  if (opts.echo) message.is_echo = true;
  const ts = opts.timestamp ?? Date.now();
  return {
    object: opts.object ?? 'page',
    entry: [{ id: page, time: ts, messaging: [{ sender: { id: opts.echo ? page : psid }, recipient: { id: opts.echo ? psid : page }, timestamp: ts, message }] }],
  };
}

/** A WhatsApp Cloud API webhook body: one entry, one `messages` change carrying `value`. */
export function whatsappWebhook(value: Record<string, unknown>, phoneNumberId = 'PN-SLP') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-SLP',
        changes: [
          {
            field: 'messages',
            value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '524448340000', phone_number_id: phoneNumberId }, ...value },
          },
        ],
      },
    ],
  };
}

export function whatsappDelivery(waId: string, name: string, message: Record<string, unknown>, opts: { wamid?: string; phoneNumberId?: string } = {}) {
  return whatsappWebhook(
    {
      contacts: [{ profile: { name }, wa_id: waId }],
      messages: [{ from: waId, id: opts.wamid ?? `wamid.${seq()}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }],
    },
    opts.phoneNumberId,
  );
}

export function whatsappStatuses() {
  return whatsappWebhook({
    statuses: [{ id: `wamid.${seq()}`, status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '5214441112233' }],
  });
}

/**
 * A WhatsApp `failed` status for a message of ours the send API had accepted (e.g. 131047
 * "Re-engagement message": the 24-hour window had closed), in the shape Cloud API sends.
 */
export function whatsappFailedStatus(wamid: string, error: { code: number; title: string; details?: string }, opts: { recipientId?: string; timestamp?: number } = {}) {
  return whatsappWebhook({
    statuses: [
      {
        id: wamid,
        status: 'failed',
        timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
        recipient_id: opts.recipientId ?? '5214441112233',
        errors: [{ code: error.code, title: error.title, message: error.title, error_data: { details: error.details ?? error.title } }],
      },
    ],
  });
}

export function telegramUpdate(userId: number, message: Record<string, unknown>, updateId = Math.floor(Math.random() * 1e9)) {
  return {
    update_id: updateId,
    message: {
      message_id: Math.floor(Math.random() * 1e6),
      from: { id: userId, is_bot: false, first_name: 'Rosa', last_name: 'Hernández', username: 'rosah', language_code: 'es' },
      chat: { id: userId, first_name: 'Rosa', type: 'private' },
      date: Math.floor(Date.now() / 1000),
      ...message,
    },
  };
}

export function signed(body: unknown, secret = META_APP_SECRET): { raw: string; signature: string } {
  const raw = JSON.stringify(body);
  return { raw, signature: signMetaBody(raw, secret) };
}

let testIdSeq = 0;
/** A unique id with a readable prefix (message ids, wamids of fake deliveries). */
export const nextTestId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(testIdSeq += 1)}`;
const unixNow = () => String(Math.floor(Date.now() / 1000));

/**
 * A wamid in the layout observed in Meta's samples (undocumented): base64 of a small binary record
 * holding the other party's wa_id, then a random message key.
 */
export function wamidFor(waId: string): string {
  const key = Buffer.from(nextTestId('3EB0').toUpperCase().padEnd(20, '0'));
  return `wamid.${Buffer.concat([Buffer.from([0x1c, 0x18, waId.length]), Buffer.from(waId), Buffer.from([0x15, 0x02, 0x00, 0x12, 0x18, key.length]), key, Buffer.from([0x00])]).toString('base64')}`;
}
/** Every wamid in a text, decoded: what a reader of the stored row could get out of it. */
export const decodedWamids = (text: string) => [...text.matchAll(/wamid\.[A-Za-z0-9+/_=-]+/g)].map((m) => Buffer.from(m[0].slice(6), 'base64').toString('latin1'));

/** WhatsApp `contacts[]` and `messages[]` items of a change value. */
export const waContact = (waId: string, name: string) => ({ profile: { name }, wa_id: waId });
export const waText = (waId: string, wamid: string, body: string) => ({ from: waId, id: wamid, timestamp: unixNow(), type: 'text', text: { body } });

/** The app's settings for the platforms, pointed at a local fake (test/support/fake-platforms.ts). */
export function socialPlatformEnv(fake: { accessToken: string; graphUrl: string; botToken: string; url: string }): Record<string, string> {
  return {
    META_APP_SECRET,
    META_VERIFY_TOKEN,
    META_ACCESS_TOKEN: fake.accessToken,
    META_GRAPH_URL: fake.graphUrl,
    TELEGRAM_SECRET_TOKEN: TELEGRAM_SECRET,
    TELEGRAM_BOT_TOKEN: fake.botToken,
    TELEGRAM_API_URL: fake.url,
  };
}
