import { PlatformError } from '../social/platform-errors';
import type { WebhookChannel } from '../social/social-item';

/** The part of an outbox row this transport reads (the generic outbox's row has more). */
export interface OutboxRowLike {
  payload: unknown;
}

export interface SocialSender {
  send(payload: unknown): Promise<{ externalId?: string }>;
}

/** Channels whose outbox rows this transport sends. */
export const SOCIAL_OUTBOX_CHANNELS: readonly WebhookChannel[] = ['messenger', 'instagram', 'whatsapp', 'telegram'];

/**
 * Adapter from the generic outbox (`OutboxTransports.register(channel, transport)`,
 * `interface OutboxTransport { send(row): Promise<{ externalId?: string }> }`) to
 * SocialReplySender. A PlatformError that retrying cannot fix (bad recipient, blocked bot, window
 * closed) becomes the outbox's permanent error, built by `permanent` (e.g.
 * `(m) => new OutboxPermanentError(m)`); anything else is rethrown so the outbox retries with
 * backoff.
 */
export function createSocialOutboxTransport(sender: SocialSender, permanent: (message: string) => Error) {
  return {
    async send(row: OutboxRowLike): Promise<{ externalId?: string }> {
      try {
        return await sender.send(row.payload);
      } catch (err) {
        if (err instanceof PlatformError && !err.retryable) throw permanent(err.message);
        throw err;
      }
    },
  };
}
