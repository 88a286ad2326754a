import { SocialEventQueue } from '../../src/intake/social/social-event-queue.service';
import type { TestApp } from './test-app';

/** Processes the social event queue until nothing is pending (retries included), or fails after `timeoutMs`. */
export async function settleSocialQueue(t: TestApp, timeoutMs = 30_000): Promise<void> {
  const queue = t.app.get(SocialEventQueue);
  const until = Date.now() + timeoutMs;
  for (;;) {
    await queue.drain();
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM social_events WHERE status = 'pending'`);
    if (n === 0) return;
    if (Date.now() > until) throw new Error(`${n} social events still pending`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
