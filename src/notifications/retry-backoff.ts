/**
 * Delay before the next attempt after `attempts` failed ones: base · 2^(attempts−1), capped at
 * `max`, with ±20 % jitter so a backlog retried after an outage does not arrive all at once.
 */
export function retryDelayMs(
  attempts: number,
  opts: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempts));
  const exponential = opts.baseMs * 2 ** Math.min(n - 1, 40);
  const capped = Math.min(opts.maxMs, exponential);
  const jitter = 0.8 + 0.4 * random();
  return Math.max(1, Math.round(Math.min(opts.maxMs, capped * jitter)));
}
