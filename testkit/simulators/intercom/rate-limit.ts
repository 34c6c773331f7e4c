/**
 * Intercom's REST limit: a per-minute figure enforced in 10-second windows of limit/6, counted
 * per workspace. Windows are aligned to the clock, so `X-RateLimit-Reset` is the next multiple of
 * 10 s and tests can move an injected clock past it.
 */
export const WINDOW_MS = 10_000;

export interface RateLimitDecision {
  allowed: boolean;
  /** Per-minute limit, as Intercom reports it in `X-RateLimit-Limit`. */
  limit: number;
  /** Calls left in the current 10 s window. */
  remaining: number;
  /** Unix seconds when the window resets. */
  resetAt: number;
}

export interface RateLimitCounters {
  calls: number;
  limited: number;
}

export class WindowRateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();
  private readonly counters = new Map<string, RateLimitCounters>();

  constructor(
    private perMinute: number,
    private readonly now: () => number,
  ) {}

  get limitPerMinute(): number {
    return this.perMinute;
  }

  setLimit(perMinute: number): void {
    this.perMinute = perMinute;
  }

  /** Budget of one 10-second window. */
  get windowBudget(): number {
    return Math.max(1, Math.floor(this.perMinute / 6));
  }

  take(key: string): RateLimitDecision {
    const now = this.now();
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, used: 0 };
      this.windows.set(key, window);
    }
    const counters = this.countersFor(key);
    counters.calls += 1;
    const allowed = window.used < this.windowBudget;
    if (allowed) window.used += 1;
    else counters.limited += 1;
    return {
      allowed,
      limit: this.perMinute,
      remaining: Math.max(0, this.windowBudget - window.used),
      resetAt: Math.ceil((start + WINDOW_MS) / 1000),
    };
  }

  /** Counters for one workspace, or summed over all when `key` is omitted. */
  stats(key?: string): RateLimitCounters {
    if (key !== undefined) return { ...this.countersFor(key) };
    let calls = 0;
    let limited = 0;
    for (const c of this.counters.values()) {
      calls += c.calls;
      limited += c.limited;
    }
    return { calls, limited };
  }

  reset(): void {
    this.windows.clear();
    this.counters.clear();
  }

  private countersFor(key: string): RateLimitCounters {
    let counters = this.counters.get(key);
    if (!counters) {
      counters = { calls: 0, limited: 0 };
      this.counters.set(key, counters);
    }
    return counters;
  }
}
