import type { WebhookChannel } from './social-item';

/** Meta's standard messaging window: a business may answer for 24 h after the user's last message. */
export const META_REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

export type ReplyRoute = 'send' | 'manual';

/**
 * Whether an agent reply can go out through the platform or must be answered by hand by the
 * press office (SPEC §3.2). Telegram bots may write to a user who wrote to them at any time.
 */
export function decideReplyRoute(channel: WebhookChannel, lastInboundAt: Date | null, now: Date): ReplyRoute {
  if (channel === 'telegram') return lastInboundAt ? 'send' : 'manual';
  if (!lastInboundAt) return 'manual';
  const age = now.getTime() - lastInboundAt.getTime();
  return age <= META_REPLY_WINDOW_MS ? 'send' : 'manual';
}
