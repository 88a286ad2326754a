import type { WebhookChannel } from '../social/social-item';

/**
 * What an outbox row for a platform reply carries (`outbox.payload` when `outbox.channel` is
 * messenger / instagram / whatsapp / telegram). Written by SocialReplyService in the reply's
 * transaction, read by SocialReplySender when the outbox worker sends it.
 */
export interface SocialReplyPayload {
  kind: 'social_reply';
  channel: WebhookChannel;
  /** PSID / IGSID / wa_id / Telegram chat id */
  recipientId: string;
  /** Page id / IG account id / WhatsApp phone_number_id (null for Telegram) */
  businessId: string | null;
  text: string;
  /** our messages.id of the agent's reply */
  messageId: string;
  ticketId: string;
}

export function isSocialReplyPayload(v: unknown): v is SocialReplyPayload {
  const p = v as Partial<SocialReplyPayload> | null;
  return !!p && p.kind === 'social_reply' && typeof p.recipientId === 'string' && typeof p.text === 'string' && typeof p.messageId === 'string';
}
