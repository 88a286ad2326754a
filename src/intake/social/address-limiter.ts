/**
 * Counts events per client address in a fixed window (one minute by default): the webhooks use
 * one for all requests (WEBHOOK_RATE_LIMIT) and one for failed authentications. A plain map
 * lookup per request, so it costs next to nothing on the webhook's hot path.
 */
export class AddressLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  isBlocked(key: string, now = Date.now()): boolean {
    const w = this.windows.get(key);
    return !!w && now - w.start < this.windowMs && w.count >= this.limit;
  }

  /** Seconds until the address's current window ends (for Retry-After). */
  retryAfterSeconds(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    return w ? Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)) : 1;
  }

  record(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (this.windows.size >= this.maxKeys) this.prune(now);
      this.windows.set(key, { start: now, count: 1 });
    } else {
      w.count += 1;
    }
  }

  /** record() unless already blocked; false = over the limit (not counted). */
  tryRecord(key: string, now = Date.now()): boolean {
    if (this.isBlocked(key, now)) return false;
    this.record(key, now);
    return true;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
