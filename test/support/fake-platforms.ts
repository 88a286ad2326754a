import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * The longest text each send API takes (WhatsApp text body 4096 characters, Messenger 2000,
 * Instagram — POST /me/messages here — 1000 bytes of UTF-8, Telegram sendMessage 4096); longer is
 * refused as the platforms do.
 */
export const TEXT_LIMITS = { whatsapp: 4096, messenger: 2000, instagramBytes: 1000, telegram: 4096 };

type Override = { status: number; body: unknown; times: number; skip: number };

/**
 * A loopback stand-in for Meta's Graph API and Telegram's Bot API, speaking their documented
 * formats: WhatsApp media lookup (GET /{media-id} → { url, mime_type, … }) and download,
 * Messenger/Instagram CDN URLs, send API (POST /{id}/messages), Telegram getFile, file download
 * and sendMessage. It records every request and can be told to fail the next calls on a path.
 */
export class FakePlatforms {
  readonly requests: RecordedRequest[] = [];
  /** files served by media id (Graph) or file id (Telegram) */
  readonly files = new Map<string, { bytes: Buffer; mime: string }>();
  private readonly overrides = new Map<string, Override>();
  private server!: Server;
  private sent = 0;
  /** Telegram numbers messages per chat ("unique message identifier inside this chat") */
  private readonly telegramSentPerChat = new Map<string, number>();
  url = '';
  readonly graphVersion = 'v21.0';
  readonly accessToken = 'EAAtestaccesstoken';
  readonly botToken = '123456:TEST-bot_token';

  get graphUrl(): string {
    return `${this.url}/${this.graphVersion}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` requests whose path starts with `prefix` get this answer (after `skip` that are answered as usual). */
  failNext(prefix: string, status: number, body: unknown = { error: { message: 'fake failure', code: 2 } }, times = 1, skip = 0): void {
    this.overrides.set(prefix, { status, body, times, skip });
  }

  /** Stops failing the requests on `prefix` that failNext set up (an outage ends). */
  recover(prefix: string): void {
    this.overrides.delete(prefix);
  }

  received(prefix: string, method = 'POST'): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      /* keep the text */
    }
    this.requests.push({ method: req.method ?? 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    for (const [prefix, o] of this.overrides) {
      if (u.pathname.startsWith(prefix)) {
        if (o.skip > 0) {
          o.skip -= 1;
          break;
        }
        if (--o.times <= 0) this.overrides.delete(prefix);
        return json(o.status, o.body);
      }
    }
    const g = `/${this.graphVersion}/`;
    const bearerOk = req.headers.authorization === `Bearer ${this.accessToken}`;
    // Graph send API: POST /{page-id | ig-id | phone-number-id}/messages
    if (req.method === 'POST' && u.pathname.startsWith(g) && u.pathname.endsWith('/messages')) {
      if (!bearerOk) return json(401, { error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 } });
      // the platforms refuse a text over their limit (Graph error 100, "Invalid parameter")
      const t = body as { messaging_product?: string; text?: { body?: string }; message?: { text?: string } };
      const tooLong =
        t.messaging_product === 'whatsapp'
          ? (t.text?.body ?? '').length > TEXT_LIMITS.whatsapp
          : u.pathname === `${g}me/messages`
            ? Buffer.byteLength(t.message?.text ?? '', 'utf8') > TEXT_LIMITS.instagramBytes
            : (t.message?.text ?? '').length > TEXT_LIMITS.messenger;
      if (tooLong) return json(400, { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, error_data: { details: 'Param text must be shorter' } } });
      this.sent += 1;
      const b = body as { messaging_product?: string; to?: string; recipient?: { id: string } };
      if (b.messaging_product === 'whatsapp') {
        return json(200, { messaging_product: 'whatsapp', contacts: [{ input: b.to, wa_id: b.to }], messages: [{ id: `wamid.OUT${this.sent}` }] });
      }
      return json(200, { recipient_id: b.recipient?.id, message_id: `m_OUT${this.sent}` });
    }
    // WhatsApp media: GET /{media-id} → metadata with a download URL (token required on both)
    if (req.method === 'GET' && u.pathname.startsWith(g)) {
      if (!bearerOk) return json(401, { error: { message: 'Invalid OAuth access token', code: 190 } });
      const id = decodeURIComponent(u.pathname.slice(g.length));
      const f = this.files.get(id);
      if (!f) return json(404, { error: { message: 'Unsupported get request', code: 100 } });
      return json(200, { messaging_product: 'whatsapp', url: `${this.url}/whatsapp-media/${encodeURIComponent(id)}`, mime_type: f.mime, sha256: 'x', file_size: f.bytes.length, id });
    }
    if (req.method === 'GET' && u.pathname.startsWith('/whatsapp-media/')) {
      if (!bearerOk) return json(401, { error: { message: 'token required', code: 190 } });
      return this.serveFile(res, decodeURIComponent(u.pathname.slice('/whatsapp-media/'.length)));
    }
    // a CDN hop: 302 to ?to=
    if (req.method === 'GET' && u.pathname === '/redirect') {
      res.writeHead(302, { location: u.searchParams.get('to') ?? '/' });
      res.end();
      return;
    }
    // Messenger / Instagram attachment URLs (a CDN in production)
    if (req.method === 'GET' && u.pathname.startsWith('/cdn/')) return this.serveFile(res, decodeURIComponent(u.pathname.slice(5)));
    // Telegram Bot API
    const bot = `/bot${this.botToken}/`;
    if (u.pathname === `${bot}getFile`) {
      const id = u.searchParams.get('file_id') ?? '';
      const f = this.files.get(id);
      if (!f) return json(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      return json(200, { ok: true, result: { file_id: id, file_unique_id: `u${id}`, file_size: f.bytes.length, file_path: `photos/${encodeURIComponent(id)}.jpg` } });
    }
    if (u.pathname.startsWith(`/file/bot${this.botToken}/photos/`)) {
      return this.serveFile(res, decodeURIComponent(u.pathname.split('/').pop()!.replace(/\.jpg$/, '')));
    }
    if (req.method === 'POST' && u.pathname === `${bot}sendMessage`) {
      const b = body as { chat_id: number | string; text: string };
      if ((b.text ?? '').length > TEXT_LIMITS.telegram) return json(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
      const messageId = (this.telegramSentPerChat.get(String(b.chat_id)) ?? 0) + 1;
      this.telegramSentPerChat.set(String(b.chat_id), messageId);
      return json(200, { ok: true, result: { message_id: messageId, chat: { id: b.chat_id, type: 'private' }, date: Math.floor(Date.now() / 1000), text: b.text } });
    }
    if (u.pathname.startsWith('/bot')) return json(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    json(404, { error: 'not found' });
  }

  private serveFile(res: ServerResponse, id: string): void {
    const f = this.files.get(id);
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.mime, 'content-length': f.bytes.length });
    res.end(f.bytes);
  }
}

/** A 1×1 PNG and a tiny JPEG header, recognised by their magic bytes. */
export const PNG_1PX = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f00000000049454e44ae426082',
  'hex',
);
export const JPEG_BYTES = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(200, 7), Buffer.from('ffd9', 'hex')]);
