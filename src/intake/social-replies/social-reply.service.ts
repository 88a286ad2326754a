import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { BRANDING } from '../../notifications/branding';
import { privacyNoticeUrl } from '../../privacy-notice/privacy-notice-url';
import { Message as MessageEntity } from '../../tickets/message.entity';
import { TicketEvent } from '../../tickets/ticket-event.entity';
import { type TicketChange, TicketHooks } from '../../tickets/ticket-hooks';
import type { Message } from '../../tickets/message.entity';
import type { Ticket } from '../../tickets/ticket.entity';
import type { TicketStatus } from '../../tickets/ticket-status';
import { decideReplyRoute } from '../social/reply-window';
import { isWebhookChannel, type WebhookChannel } from '../social/social-item';
import type { SocialReplyPayload } from './social-reply-payload';
import { statusPageUrls } from '../../citizen-status/status-page-url';

/**
 * Where a platform reply is queued: the generic outbox (`OutboxService.enqueue` with `channel` =
 * the platform), wired in SocialIntakeModule; tests may put a recorder here.
 */
export interface SocialReplyQueue {
  /** `kind`: the outbox kind — an agent's `reply` (the default), the automatic `acknowledgement` or an automatic outcome notice (`status_changed`) */
  enqueue(manager: EntityManager, payload: SocialReplyPayload, kind?: SocialOutboxKind): Promise<void>;
}

export type SocialOutboxKind = 'reply' | 'acknowledgement' | 'status_changed';

/** The outcomes a platform citizen is told of even when the agent wrote no public message. */
const OUTCOME_STATUSES: readonly TicketStatus[] = ['rejected', 'resolved', 'closed'];

export type ReplyDecision = { route: 'send'; payload: SocialReplyPayload } | { route: 'manual'; reason: string } | { route: 'none' };

/**
 * Decides, inside the reply's transaction, whether an agent's public reply — or the public message
 * of a status change (the question of `waiting_citizen`, the answer of `resolved`) — on a
 * Messenger / Instagram / WhatsApp / Telegram ticket goes out through the platform (within its
 * window) or is marked "needs manual reply" for the press office (SPEC §3.2). On networks reached
 * only through the press office (facebook, x, tiktok, youtube, or any forwarded ticket) it is
 * always marked for them.
 */
@Injectable()
export class SocialReplyService implements OnModuleInit {
  private readonly logger = new Logger(SocialReplyService.name);
  private queue: SocialReplyQueue | null = null;

  constructor(
    private readonly hooks: TicketHooks,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.hooks.register({ onTicketChange: (manager, change) => this.onTicketChange(manager, change) });
  }

  setQueue(queue: SocialReplyQueue): void {
    this.queue = queue;
  }

  async onTicketChange(manager: EntityManager, change: TicketChange): Promise<void> {
    if (change.type === 'created') {
      if (change.automated) return;
      if (change.ticket.forwardedById) await this.acknowledgeThroughPress(manager, change.ticket, change.message);
      else if (isWebhookChannel(change.ticket.channel)) await this.acknowledge(manager, change.ticket);
    } else if (change.type === 'reply' && change.notifyCitizen) {
      await this.handleReply(manager, change.ticket, change.message);
    } else if (change.type === 'status_changed' && change.notifyCitizen && change.publicMessage) {
      // the question of `waiting_citizen`, the answer of `resolved`: on these channels the citizen
      // only hears it through the platform (or from the press office)
      await this.handleReply(manager, change.ticket, change.publicMessage);
    } else if (change.type === 'status_changed' && change.notifyCitizen && OUTCOME_STATUSES.includes(change.to) && !change.ticket.mergedIntoId) {
      // rejected with only a reason, closed or resolved without a word: an email citizen gets the
      // status mail; a platform citizen would hear nothing and wait
      if (isWebhookChannel(change.ticket.channel) && !change.ticket.forwardedById) await this.notifyOutcome(manager, change.ticket, change.to, change.reason);
    }
  }

  /**
   * An automatic notice of the report's outcome on its platform, like the acknowledgement: the
   * folio, what happened (and why, for a rejection — the reason the email citizen also reads), the
   * status link and the privacy notice. Outside the platform's window it is not sent (the status
   * page has it); the thread keeps it without the link's token.
   */
  private async notifyOutcome(manager: EntityManager, ticket: Ticket, to: TicketStatus, reason: string | null): Promise<void> {
    // the workflow's ticket does not carry the token (a column not selected by default)
    const [{ public_token: token }] = await manager.query<Array<{ public_token: string }>>(`SELECT public_token FROM tickets WHERE id = $1`, [ticket.id]);
    const { page: statusPage, link: statusUrl } = statusPageUrls(this.config.publicBaseUrl, ticket.folio, token);
    const text = (link: string) => this.outcomeText(ticket.folio, to, reason, link);
    const message = await this.saveAutomatic(manager, ticket, text(statusPage), 'status_changed');
    const decision = await this.decide(manager, ticket, ticket.channel as WebhookChannel, message, new Date(), text(statusUrl));
    if (decision.route === 'send') await this.queueSend(manager, message, decision.payload, new Date(), 'status_changed');
    else if (decision.route === 'manual') {
      await manager.query(`UPDATE messages SET delivery_state = 'failed', delivery_error = $2 WHERE id = $1`, [message.id, `no enviado: ${decision.reason}`]);
    }
  }

  private outcomeText(folio: string, to: TicketStatus, reason: string | null, statusLink: string): string {
    const what =
      to === 'rejected'
        ? `Después de revisarlo, su reporte ${folio} no procede.${reason ? `\nMotivo: ${reason}` : ''}\nSi considera que se trata de un error, respóndanos por este medio.`
        : to === 'resolved'
          ? `Su reporte ${folio} fue atendido. Si el problema continúa, respóndanos por este medio.`
          : `Su reporte ${folio} fue cerrado.`;
    return `${what}\nConsulte el avance de su reporte en: ${statusLink}\nAviso de privacidad: ${privacyNoticeUrl(this.config.publicBaseUrl)}\n${BRANDING.office} · ${BRANDING.institution}`;
  }

  /**
   * The citizen who wrote on the platform gets their folio there, with the status link and the
   * privacy notice (SPEC §7: linked from every automatic message), as email senders do. The thread
   * keeps the text without the status link's token (press users read social threads).
   */
  private async acknowledge(manager: EntityManager, ticket: Ticket): Promise<void> {
    const { page: statusPage, link: statusUrl } = statusPageUrls(this.config.publicBaseUrl, ticket.folio, ticket.publicToken);
    const text = (link: string) => this.acknowledgementText(ticket.folio, link);
    const message = await this.saveAutomatic(manager, ticket, text(statusPage), 'acknowledgement', true);
    // an acknowledgement the platform cannot take is simply not sent (never a task for the press office)
    const decision = await this.decide(manager, ticket, ticket.channel as WebhookChannel, message, new Date(), text(statusUrl));
    if (decision.route === 'send') await this.queueSend(manager, message, decision.payload, new Date(), 'acknowledgement');
  }

  /** An automatic notice (the acknowledgement, an outcome) as the thread keeps it: an automatic outbound message of the ticket's channel. */
  private saveAutomatic(manager: EntityManager, ticket: Ticket, bodyText: string, notification: 'acknowledgement' | 'status_changed', isPublic = true, createdAt?: Date): Promise<MessageEntity> {
    return manager.save(
      MessageEntity,
      manager.create(MessageEntity, {
        ticketId: ticket.id,
        direction: 'outbound',
        channel: ticket.channel,
        bodyText,
        public: isPublic,
        meta: { automatic: true, notification },
        ...(createdAt ? { createdAt } : {}),
      }),
    );
  }

  private acknowledgementText(folio: string, statusLink: string): string {
    return `Recibimos su reporte. Su folio es ${folio}.\nConsulte el avance de su reporte en: ${statusLink}\nAviso de privacidad: ${privacyNoticeUrl(this.config.publicBaseUrl)}\n${BRANDING.office} · ${BRANDING.institution}`;
  }

  /**
   * A report the press office forwarded reaches the citizen only through the press office: the
   * acknowledgement — the same text, with the status link and its token, since this is the text the
   * press office pastes to the citizen — is a manual reply for them (listed in
   * GET /intake/manual-replies until marked done), whatever the network. It is not `public`: press
   * users read the public thread, and the token is shown to them only in that list while the reply
   * is pending (staff see it on the thread; the citizen's status page never lists acknowledgements).
   */
  private async acknowledgeThroughPress(manager: EntityManager, ticket: Ticket, inbound: Message | null): Promise<void> {
    const { link } = statusPageUrls(this.config.publicBaseUrl, ticket.folio, ticket.publicToken);
    // after the forwarded message on the thread (that one is stamped in JS, the default would be the transaction's start)
    const after = inbound?.createdAt ? new Date(inbound.createdAt).getTime() + 1 : 0;
    const message = await this.saveAutomatic(manager, ticket, this.acknowledgementText(ticket.folio, link), 'acknowledgement', false, new Date(Math.max(Date.now(), after)));
    const forwarded = (inbound?.meta as { forwarded?: { url?: string | null; authorHandle?: string | null } } | undefined)?.forwarded;
    // where to answer: the post, else the author's @handle (never a WhatsApp number: press users see no contact data)
    const where = forwarded?.url ?? (forwarded?.authorHandle?.startsWith('@') ? forwarded.authorHandle : null);
    const reason = `acuse de un reporte reenviado por Comunicación Social: entregue el folio al ciudadano en la red${where ? ` (${where})` : ''}`;
    await markManual(manager, message.id, reason);
    await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'manual_reply_needed', actorKind: 'system', data: { messageId: message.id, reason } });
    this.logger.log({ ticketId: ticket.id, messageId: message.id }, 'acknowledgement of a forwarded report handed to the press office');
  }

  /** `text`: what is sent, when it differs from what the thread keeps (a link with its token). */
  async handleReply(manager: EntityManager, ticket: Ticket, message: Message, now = new Date(), text?: string): Promise<ReplyDecision> {
    if (message.direction !== 'outbound' || !message.public) return { route: 'none' };
    let decision: ReplyDecision;
    if (isWebhookChannel(ticket.channel)) decision = await this.decide(manager, ticket, ticket.channel, message, now, text);
    else if (answeredOnlyByPress(ticket)) decision = { route: 'manual', reason: 'la red no permite responder desde el sistema' };
    else return { route: 'none' };
    if (decision.route === 'manual') {
      await markManual(manager, message.id, decision.reason);
      await manager.insert(TicketEvent, { ticketId: ticket.id, type: 'manual_reply_needed', actorKind: 'system', data: { messageId: message.id, reason: decision.reason } });
      this.logger.log({ ticketId: ticket.id, messageId: message.id }, 'platform reply handed to the press office');
    } else if (decision.route === 'send') {
      await this.queueSend(manager, message, decision.payload, now);
    }
    return decision;
  }

  private async queueSend(manager: EntityManager, message: Message, payload: SocialReplyPayload, now: Date, kind: SocialOutboxKind = 'reply'): Promise<void> {
    await manager.query(`UPDATE messages SET delivery_state = 'queued', meta = meta || $2::jsonb WHERE id = $1`, [
      message.id,
      JSON.stringify({ socialReply: { channel: payload.channel, queuedAt: now.toISOString() } }),
    ]);
    if (this.queue) await this.queue.enqueue(manager, payload, kind);
  }

  private async decide(manager: EntityManager, ticket: Ticket, channel: WebhookChannel, message: Message, now: Date, text?: string): Promise<ReplyDecision> {
    // the citizen's last message that came through the platform itself (not a press forward)
    const rows: Array<{ created_at: Date; meta: { platform?: { userId?: string; businessId?: string | null; sentAt?: string } } }> = await manager.query(
      `SELECT created_at, meta FROM messages
       WHERE ticket_id = $1 AND direction = 'inbound' AND channel = $2 AND meta ? 'platform'
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [ticket.id, channel],
    );
    const last = rows[0];
    const platform = last?.meta.platform;
    if (!last || !platform?.userId) return { route: 'manual', reason: 'el ciudadano no escribió por la plataforma' };
    // the platform's window is the conversation's (this user with this page or business number), not
    // the ticket's: a message the citizen sent an hour ago about another report opens it too
    const [{ latest }] = await manager.query<Array<{ latest: Date | null }>>(
      `SELECT max(m.created_at) AS latest FROM messages m JOIN tickets t ON t.id = m.ticket_id
       WHERE t.citizen_id = $1 AND m.direction = 'inbound' AND m.channel = $2
         AND m.meta->'platform'->>'userId' = $3 AND (m.meta->'platform'->>'businessId') IS NOT DISTINCT FROM $4`,
      [ticket.citizenId, channel, platform.userId, platform.businessId ?? null],
    );
    const lastInConversation = latest && new Date(latest) > new Date(last.created_at) ? new Date(latest) : new Date(last.created_at);
    if (decideReplyRoute(channel, lastInConversation, now) === 'manual') {
      return { route: 'manual', reason: 'fuera de la ventana de 24 horas de la plataforma' };
    }
    return {
      route: 'send',
      payload: {
        kind: 'social_reply',
        channel,
        recipientId: channel === 'telegram' ? (platform.businessId ?? platform.userId) : platform.userId,
        businessId: channel === 'telegram' ? null : (platform.businessId ?? null),
        text: text ?? message.bodyText,
        messageId: message.id,
        ticketId: ticket.id,
      },
    };
  }
}

/**
 * Networks the city has no webhook or send API for (the press office forwards what is posted
 * there), and any ticket the press office forwarded that is not on a webhook channel: the way
 * back to the citizen is the press office, by hand, on that network.
 */
const FORWARD_ONLY_CHANNELS: readonly string[] = ['facebook', 'x', 'tiktok', 'youtube'];
function answeredOnlyByPress(ticket: Pick<Ticket, 'channel' | 'forwardedById'>): boolean {
  return FORWARD_ONLY_CHANNELS.includes(ticket.channel) || !!ticket.forwardedById;
}

/** Marks an outbound message for the press office to answer by hand. */
export async function markManual(manager: EntityManager, messageId: string, reason: string): Promise<void> {
  await manager.query(`UPDATE messages SET delivery_state = NULL, meta = meta || $2::jsonb WHERE id = $1`, [
    messageId,
    JSON.stringify({ manualReply: 'pending', manualReplyReason: reason }),
  ]);
}
