import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { MetaGraphClient } from '../social/meta-graph.client';
import { PlatformError } from '../social/platform-errors';
import { TelegramClient } from '../social/telegram.client';
import { markManual } from './social-reply.service';
import { isSocialReplyPayload, type SocialReplyPayload } from './social-reply-payload';
import { splitReply } from './split-reply';

/**
 * The platform request timeout (limited-fetch, 20 s) plus a margin: no part starts later than this
 * before half the outbox lease (what the outbox gives a send), so it ends before the outbox gives
 * up on the send; with a short lease, parts start during its first quarter.
 */
const PART_MARGIN_MS = 25_000;

/** The reason staff read when the platform refuses a reply for its window (as SocialReplyService words it). */
const WINDOW_CLOSED = 'fuera de la ventana de 24 horas de la plataforma';

interface PartsProgress {
  /** how many parts the reply was split into */
  total: number;
  /** the platform ids of the parts already sent, in order */
  sent: Array<string | null>;
}

/**
 * Sends one queued platform reply (called by the outbox transport for messenger / instagram /
 * whatsapp / telegram rows). Throws PlatformError: `retryable` → the outbox tries again with
 * backoff; not retryable → permanent failure. When the platform says the window has closed
 * meanwhile, the message is handed to the press office before the permanent error is thrown.
 *
 * A reply longer than the platform takes in one message (WhatsApp and Telegram 4096 characters,
 * Messenger 2000, Instagram 1000 bytes; agents may write 20,000) goes out as several messages, in
 * order, cut at paragraph / sentence / word boundaries (splitReply). Each part sent is recorded on
 * the thread message (`meta.platformParts`) before the next one goes, so a retry sends only the
 * parts not sent yet; the reply is `sent` when all are.
 */
@Injectable()
export class SocialReplySender {
  private readonly logger = new Logger(SocialReplySender.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly graph: MetaGraphClient,
    private readonly telegram: TelegramClient,
    private readonly config: AppConfig,
  ) {}

  async send(payload: unknown): Promise<{ externalId?: string }> {
    if (!isSocialReplyPayload(payload)) throw new PlatformError('no enviado: el mensaje en cola no es una respuesta de red social', false);
    const [row]: Array<{ delivery_state: string | null; platform_message_id: string | null; parts: PartsProgress | null }> = await this.dataSource.query(
      `SELECT delivery_state, meta->>'platformMessageId' AS platform_message_id, meta->'platformParts' AS parts FROM messages WHERE id = $1`,
      [payload.messageId],
    );
    // a platform has no Message-ID to drop a repeat: if an earlier attempt got through (and only
    // its outbox bookkeeping failed), do not send it again
    if (row?.delivery_state === 'sent') {
      this.logger.warn({ channel: payload.channel, messageId: payload.messageId }, 'platform reply was already sent; not sending it again');
      return row.platform_message_id ? { externalId: row.platform_message_id } : {};
    }
    const parts = splitReply(payload.text, payload.channel);
    // the parts an earlier attempt sent (the same text always splits the same way)
    const sent: Array<string | null> =
      row?.parts && row.parts.total === parts.length && Array.isArray(row.parts.sent) && row.parts.sent.length <= parts.length ? [...row.parts.sent] : [];
    const resumedAt = sent.length;
    const halfLease = (this.config.outbox.leaseSeconds * 1000) / 2;
    const deadline = Date.now() + Math.max(halfLease - PART_MARGIN_MS, halfLease / 2);
    while (sent.length < parts.length) {
      const index = sent.length;
      if (index > resumedAt && Date.now() > deadline) {
        // the outbox gives a send half its lease: the next attempt goes on from this part
        throw new PlatformError(`respuesta enviada en parte: ${index} de ${parts.length} partes; el resto se enviará en el siguiente intento`, true);
      }
      let externalId: string | null;
      try {
        ({ externalId } = await this.deliver(payload, parts[index]));
      } catch (err) {
        const progress = parts.length > 1 ? ` (parte ${index + 1} de ${parts.length}; ${index} ya ${index === 1 ? 'enviada' : 'enviadas'})` : '';
        if (err instanceof PlatformError && err.windowClosed) {
          await this.dataSource.transaction(async (manager) => {
            await markManual(manager, payload.messageId, `la plataforma rechazó el envío: ${WINDOW_CLOSED}${progress}`);
            await manager.insert(TicketEvent, { ticketId: payload.ticketId, type: 'manual_reply_needed', actorKind: 'system', data: { messageId: payload.messageId } });
          });
          // the outbox writes this message into delivery_error (the thread): Spanish, with the platform's codes
          throw new PlatformError(`${err.message}: ${WINDOW_CLOSED}${progress}`.slice(0, 500), false, err.status, true);
        }
        await this.dataSource.query(`UPDATE messages SET delivery_error = $2 WHERE id = $1`, [payload.messageId, `${(err as Error).message}${progress}`.slice(0, 500)]);
        throw err;
      }
      sent.push(externalId);
      if (sent.length < parts.length) {
        // recorded before the next part goes: if this fails, the retry sends this one part again at most
        const progress: PartsProgress = { total: parts.length, sent };
        await this.dataSource.query(`UPDATE messages SET meta = meta || $2::jsonb WHERE id = $1`, [payload.messageId, JSON.stringify({ platformParts: progress })]);
      }
    }
    const externalId = sent[0] ?? null;
    // sent: from here on an error must not make the outbox send it again
    try {
      await this.dataSource.query(`UPDATE messages SET delivery_state = 'sent', delivery_error = NULL, meta = meta || $2::jsonb WHERE id = $1`, [
        payload.messageId,
        JSON.stringify({ platformMessageId: externalId, ...(parts.length > 1 ? { platformParts: { total: parts.length, sent } } : {}) }),
      ]);
    } catch (err) {
      this.logger.error({ channel: payload.channel, messageId: payload.messageId, err }, 'platform reply sent, but its thread message could not be updated');
    }
    this.logger.log({ channel: payload.channel, messageId: payload.messageId, parts: parts.length }, 'platform reply sent');
    return externalId ? { externalId } : {};
  }

  private async deliver(p: SocialReplyPayload, text: string): Promise<{ externalId: string | null }> {
    if (p.channel !== 'telegram') return this.graph.sendText(p.channel, p.businessId, p.recipientId, text);
    // Telegram numbers messages per chat: the chat makes the id unique for the channel
    const sent = await this.telegram.sendText(p.recipientId, text);
    return { externalId: sent.externalId === null ? null : `${p.recipientId}:${sent.externalId}` };
  }
}
