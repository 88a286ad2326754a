import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { MetaGraphClient } from '../social/meta-graph.client';
import { PlatformError } from '../social/platform-errors';
import { TelegramClient } from '../social/telegram.client';
import { markManual } from './social-reply.service';
import { isSocialReplyPayload, type SocialReplyPayload } from './social-reply-payload';

/**
 * Sends one queued platform reply (called by the outbox transport for messenger / instagram /
 * whatsapp / telegram rows). Throws PlatformError: `retryable` → the outbox tries again with
 * backoff; not retryable → permanent failure. When the platform says the window has closed
 * meanwhile, the message is handed to the press office before the permanent error is thrown.
 */
@Injectable()
export class SocialReplySender {
  private readonly logger = new Logger(SocialReplySender.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly graph: MetaGraphClient,
    private readonly telegram: TelegramClient,
  ) {}

  async send(payload: unknown): Promise<{ externalId?: string }> {
    if (!isSocialReplyPayload(payload)) throw new PlatformError('not a social reply payload', false);
    // a platform has no Message-ID to drop a repeat: if an earlier attempt got through (and only
    // its outbox bookkeeping failed), do not send it again
    const [already]: Array<{ platform_message_id: string | null }> = await this.dataSource.query(
      `SELECT meta->>'platformMessageId' AS platform_message_id FROM messages WHERE id = $1 AND delivery_state = 'sent'`,
      [payload.messageId],
    );
    if (already) {
      this.logger.warn({ channel: payload.channel, messageId: payload.messageId }, 'platform reply was already sent; not sending it again');
      return already.platform_message_id ? { externalId: already.platform_message_id } : {};
    }
    let externalId: string | null;
    try {
      ({ externalId } = await this.deliver(payload));
    } catch (err) {
      if (err instanceof PlatformError && err.windowClosed) {
        await this.dataSource.transaction(async (manager) => {
          await markManual(manager, payload.messageId, 'la plataforma rechazó el envío: ventana de respuesta cerrada');
          await manager.insert(TicketEvent, { ticketId: payload.ticketId, type: 'manual_reply_needed', actorKind: 'system', data: { messageId: payload.messageId } });
        });
        throw new PlatformError(err.message, false, err.status, true);
      }
      await this.dataSource.query(`UPDATE messages SET delivery_error = $2 WHERE id = $1`, [payload.messageId, (err as Error).message.slice(0, 500)]);
      throw err;
    }
    // sent: from here on an error must not make the outbox send it again
    try {
      await this.dataSource.query(
        `UPDATE messages SET delivery_state = 'sent', delivery_error = NULL, meta = meta || $2::jsonb WHERE id = $1`,
        [payload.messageId, JSON.stringify({ platformMessageId: externalId })],
      );
    } catch (err) {
      this.logger.error({ channel: payload.channel, messageId: payload.messageId, err }, 'platform reply sent, but its thread message could not be updated');
    }
    this.logger.log({ channel: payload.channel, messageId: payload.messageId }, 'platform reply sent');
    return externalId ? { externalId } : {};
  }

  private async deliver(p: SocialReplyPayload): Promise<{ externalId: string | null }> {
    if (p.channel !== 'telegram') return this.graph.sendText(p.channel, p.businessId, p.recipientId, p.text);
    // Telegram numbers messages per chat: the chat makes the id unique for the channel
    const sent = await this.telegram.sendText(p.recipientId, p.text);
    return { externalId: sent.externalId === null ? null : `${p.recipientId}:${sent.externalId}` };
  }
}
