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
  /**
   * files served by media id (Graph) or file id (Telegram); `url`: the download URL the Graph
   * media lookup hands out for it (default: this fake's own /whatsapp-media/{id})
   */
  readonly files = new Map<string, { bytes: Buffer; mime: string; url?: string }>();
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
      // what the send API refuses (Graph error #100, "Invalid parameter"): no recipient, no
      // messaging_type (Messenger/Instagram), no `to` (WhatsApp), an empty text, a text over the limit
      const refused = this.refuseGraphSend(body, u.pathname === `${g}me/messages`);
      if (refused) return json(400, { error: { message: `(#100) ${refused}`, type: 'OAuthException', code: 100, fbtrace_id: 'AfakeTrace' } });
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
      return json(200, { messaging_product: 'whatsapp', url: f.url ?? `${this.url}/whatsapp-media/${encodeURIComponent(id)}`, mime_type: f.mime, sha256: 'x', file_size: f.bytes.length, id });
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
      const b = body as { chat_id?: number | string; text?: unknown };
      if (b.chat_id === undefined || b.chat_id === null || b.chat_id === '') return json(400, { ok: false, error_code: 400, description: 'Bad Request: chat_id is empty' });
      // Telegram trims the text: one of only whitespace is empty too
      if (typeof b.text !== 'string' || b.text.trim() === '') return json(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
      if (b.text.length > TEXT_LIMITS.telegram) return json(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
      const messageId = (this.telegramSentPerChat.get(String(b.chat_id)) ?? 0) + 1;
      this.telegramSentPerChat.set(String(b.chat_id), messageId);
      return json(200, { ok: true, result: { message_id: messageId, chat: { id: b.chat_id, type: 'private' }, date: Math.floor(Date.now() / 1000), text: b.text } });
    }
    if (u.pathname.startsWith('/bot')) return json(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    json(404, { error: 'not found' });
  }

  /** Why Graph's send API refuses this body (the text after "(#100) "), or null. */
  private refuseGraphSend(body: unknown, instagram: boolean): string | null {
    const b = (body && typeof body === 'object' ? body : {}) as {
      messaging_product?: unknown;
      to?: unknown;
      type?: unknown;
      text?: { body?: unknown };
      recipient?: { id?: unknown };
      messaging_type?: unknown;
      message?: { text?: unknown };
    };
    const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
    if (b.messaging_product === 'whatsapp') {
      if (blank(b.to)) return 'The parameter to is required.';
      if (blank(b.text?.body)) return "The parameter text['body'] is required.";
      if ((b.text!.body as string).length > TEXT_LIMITS.whatsapp) return 'Invalid parameter';
      return null;
    }
    if (b.messaging_product !== undefined) return 'Param messaging_product must be whatsapp';
    if (blank(b.recipient?.id)) return 'The parameter recipient is required';
    if (!['RESPONSE', 'UPDATE', 'MESSAGE_TAG'].includes(String(b.messaging_type))) return 'The parameter messaging_type is required';
    if (blank(b.message?.text)) return 'Param message[text] must be non-empty.';
    const text = b.message!.text as string;
    if (instagram ? Buffer.byteLength(text, 'utf8') > TEXT_LIMITS.instagramBytes : text.length > TEXT_LIMITS.messenger) return 'Invalid parameter';
    return null;
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

/**
 * Another origin than the fake's (its own port on loopback): stands for any host that is not
 * Meta's — cloud metadata, an intranet box, an attacker's server. It answers every request with a
 * valid PNG, so a download that reached it would be stored and show up; `hits` records each one.
 */
export class ElsewhereServer {
  readonly hits: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }> = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.hits.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG_1PX.length });
      res.end(PNG_1PX);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A 1×1 PNG and a tiny JPEG header, recognised by their magic bytes. */
export const PNG_1PX = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f00000000049454e44ae426082',
  'hex',
);
export const JPEG_BYTES = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(200, 7), Buffer.from('ffd9', 'hex')]);
