/** What one call is told: go on, or wait this many whole seconds. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Window {
  startedAt: number;
  calls: number;
}

/** Windows are swept once this many trackers are held, so that a flood of addresses cannot grow memory for ever. */
const SWEEP_AT = 10_000;

/**
 * A fixed window per tracker: `limit` calls in `windowMs` from the tracker's first call, then
 * refusals until the window ends. Pure bookkeeping: the caller passes the time.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`rate limit must be a whole number from 1, not ${limit}`);
    if (!(windowMs > 0)) throw new Error(`rate limit window must be positive, not ${windowMs}`);
  }

  hit(tracker: string, now: number): RateDecision {
    let window = this.windows.get(tracker);
    if (!window || now - window.startedAt >= this.windowMs) {
      if (!window && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { startedAt: now, calls: 0 };
      this.windows.set(tracker, window);
    }
    window.calls += 1;
    if (window.calls <= this.limit) return { allowed: true };
    const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000));
    return { allowed: false, retryAfterSeconds };
  }

  /** Trackers held now, for tests and metrics. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    for (const [tracker, window] of this.windows) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(tracker);
    }
  }
}
