import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { errorForStatus, limitedFetch, parseJson, retryableStatus } from './limited-fetch';
import type { DownloadedMedia } from './meta-graph.client';
import { MediaTooLargeError, PlatformError } from './platform-errors';

const JSON_LIMIT = 256 * 1024;

/** The one client for the Telegram Bot API: getFile + file download, sendMessage. */
@Injectable()
export class TelegramClient {
  constructor(private readonly config: AppConfig) {}

  private method(name: string): string {
    const token = this.config.telegram.botToken;
    if (!token) throw new PlatformError('falta configurar TELEGRAM_BOT_TOKEN', false);
    return `${this.config.telegram.apiUrl}/bot${token}/${name}`;
  }

  async download(fileId: string, maxBytes: number): Promise<DownloadedMedia> {
    const res = await limitedFetch(`${this.method('getFile')}?file_id=${encodeURIComponent(fileId)}`, {}, JSON_LIMIT);
    const json = parseJson(res.body);
    if (res.status !== 200 || json?.ok !== true) throw errorForStatus(res.status === 200 ? 502 : res.status, 'telegram getFile');
    const result = json.result as { file_path?: unknown; file_size?: unknown } | undefined;
    if (typeof result?.file_size === 'number' && result.file_size > maxBytes) throw new MediaTooLargeError(result.file_size);
    if (typeof result?.file_path !== 'string' || result.file_path.includes('..')) throw new PlatformError('telegram getFile: no file_path', false);
    const path = result.file_path.split('/').map(encodeURIComponent).join('/');
    const file = await limitedFetch(`${this.config.telegram.apiUrl}/file/bot${this.config.telegram.botToken}/${path}`, {}, maxBytes);
    if (file.status !== 200) throw errorForStatus(file.status, 'telegram file download');
    return { content: file.body, claimedType: file.contentType };
  }

  async sendText(chatId: string, text: string): Promise<{ externalId: string | null }> {
    const res = await limitedFetch(
      this.method('sendMessage'),
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ chat_id: chatId, text }) },
      JSON_LIMIT,
    );
    const json = parseJson(res.body);
    if (res.status !== 200 || json?.ok !== true) {
      const status = res.status === 200 ? 502 : res.status;
      // what staff read on the thread (messages.delivery_error)
      throw new PlatformError(`Telegram rechazó el envío (HTTP ${status})`, retryableStatus(status), status);
    }
    const id = (json.result as { message_id?: unknown } | undefined)?.message_id;
    return { externalId: typeof id === 'number' || typeof id === 'string' ? String(id) : null };
  }
}
