import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { errorForStatus, limitedFetch, parseJson, retryableStatus } from './limited-fetch';
import { PlatformError } from './platform-errors';
import type { MediaSource } from './social-item';

const JSON_LIMIT = 256 * 1024;
/** Hosts Meta serves attachment files from (besides the configured Graph URL itself). */
const META_MEDIA_HOSTS = ['fbcdn.net', 'fbsbx.com', 'cdninstagram.com', 'whatsapp.net', 'facebook.com', 'instagram.com'];
/** Graph error codes/subcodes that mean "outside the allowed messaging window". */
const WINDOW_CODES = new Set([10, 551, 131047, 2018278, 2534022]);

export interface DownloadedMedia {
  content: Buffer;
  claimedType: string | null;
}

/** The one client for Meta's Graph API: media download and the send API (Messenger, Instagram, WhatsApp). */
@Injectable()
export class MetaGraphClient {
  constructor(private readonly config: AppConfig) {}

  private get base(): string {
    return this.config.meta.graphUrl;
  }

  private authHeaders(): Record<string, string> {
    const token = this.config.meta.accessToken;
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  /** A URL from a signed payload is fetched only if it points at Meta (or the configured Graph base). */
  isAllowedMediaUrl(raw: string): boolean {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (url.origin === new URL(this.base).origin) return true;
    if (url.protocol !== 'https:') return false;
    return META_MEDIA_HOSTS.some((h) => url.hostname === h || url.hostname.endsWith(`.${h}`));
  }

  async download(source: Exclude<MediaSource, { type: 'telegram_file' }>, maxBytes: number): Promise<DownloadedMedia> {
    let url: string;
    let claimedType: string | null = null;
    if (source.type === 'meta_media') {
      // WhatsApp: GET /{media-id} → { url, mime_type, file_size }, then GET url with the token
      const meta = await limitedFetch(`${this.base}/${encodeURIComponent(source.id)}`, { headers: this.authHeaders() }, JSON_LIMIT);
      if (meta.status !== 200) throw errorForStatus(meta.status, 'graph media lookup');
      const info = parseJson(meta.body);
      if (!info || typeof info.url !== 'string') throw new PlatformError('graph media lookup: no url', false, meta.status);
      url = info.url;
      claimedType = typeof info.mime_type === 'string' ? info.mime_type : null;
    } else {
      url = source.url;
    }
    if (!this.isAllowedMediaUrl(url)) throw new PlatformError('media url outside Meta hosts', false);
    const file = await limitedFetch(url, { headers: source.type === 'meta_media' ? this.authHeaders() : {} }, maxBytes, (next) => this.isAllowedMediaUrl(next));
    if (file.status !== 200) throw errorForStatus(file.status, 'media download');
    return { content: file.body, claimedType: claimedType ?? file.contentType };
  }

  /**
   * Sends a text through the platform. Messenger: POST /{page-id}/messages, Instagram: POST /me/messages, with
   * `messaging_type: RESPONSE`; WhatsApp: POST /{phone-number-id}/messages. Returns the
   * platform's message id (`mid` / `wamid`).
   */
  async sendText(channel: 'messenger' | 'instagram' | 'whatsapp', businessId: string | null, recipientId: string, text: string): Promise<{ externalId: string | null }> {
    if (!this.config.meta.accessToken) throw new PlatformError('falta configurar META_ACCESS_TOKEN', false);
    const body =
      channel === 'whatsapp'
        ? { messaging_product: 'whatsapp', recipient_type: 'individual', to: recipientId, type: 'text', text: { preview_url: false, body: text } }
        : { recipient: { id: recipientId }, messaging_type: 'RESPONSE', message: { text } };
    if (channel === 'whatsapp' && !businessId) throw new PlatformError('se desconoce el número de WhatsApp del municipio (phone_number_id)', false);
    // Instagram: /me/messages works with both a Page token (Facebook Login) and an Instagram token
    const sender = channel === 'instagram' ? 'me' : (businessId ?? 'me');
    const res = await limitedFetch(
      `${this.base}/${encodeURIComponent(sender)}/messages`,
      { method: 'POST', headers: { ...this.authHeaders(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
      JSON_LIMIT,
    );
    const json = parseJson(res.body);
    if (res.status !== 200) {
      const error = json?.error as { code?: unknown; error_subcode?: unknown } | undefined;
      const codes = [Number(error?.code), Number(error?.error_subcode)];
      const known = codes.filter(Number.isFinite);
      // what staff read on the thread (messages.delivery_error): Graph's codes and the HTTP status as they came
      const detail = known.length ? `código ${known.join('/')}, HTTP ${res.status}` : `HTTP ${res.status}`;
      throw new PlatformError(`la plataforma rechazó el envío (${detail})`, retryableStatus(res.status), res.status, codes.some((c) => WINDOW_CODES.has(c)));
    }
    const messages = json?.messages as Array<{ id?: unknown }> | undefined;
    const id = channel === 'whatsapp' ? messages?.[0]?.id : json?.message_id;
    return { externalId: typeof id === 'string' ? id : null };
  }
}
