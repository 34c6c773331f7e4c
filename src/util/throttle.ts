/**
 * Runs an async action per key at most once per `windowMs`, never losing a trigger: the first trigger runs at
 * once, triggers during the window (or while the action runs) fold into one trailing run when it ends. A
 * failed run is retried with backoff (up to `maxRetryMs`) until one succeeds.
 * Used for signals that many requests would otherwise each send (doorbells, uninstall notices).
 */
export interface ThrottleOptions {
  windowMs: number;
  maxRetryMs?: number;
  now?: () => number;
  onError?: (key: string, err: unknown) => void;
}

interface Slot {
  inFlight: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
  lastRunAt: number;
  failures: number;
}

export class Throttle {
  private readonly slots = new Map<string, Slot>();
  private readonly now: () => number;
  private stopped = false;

  constructor(
    private readonly action: (key: string) => Promise<void>,
    private readonly options: ThrottleOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  trigger(key: string): void {
    if (this.stopped) return;
    const slot = this.slot(key);
    if (slot.inFlight || slot.timer) {
      slot.dirty = true;
      return;
    }
    const wait = slot.lastRunAt + this.options.windowMs - this.now();
    if (wait > 0) {
      slot.dirty = true;
      slot.timer = setTimeout(() => void this.run(key), wait);
    } else {
      void this.run(key);
    }
  }

  /** When the key last ran successfully or was attempted (epoch ms), or 0. */
  lastRunAt(key: string): number {
    return this.slots.get(key)?.lastRunAt ?? 0;
  }

  /** Runs every pending trailing trigger now (shutdown); a failure is not retried after `stop()`. */
  async flush(): Promise<void> {
    const pending = [...this.slots.entries()].filter(([, s]) => s.timer || s.dirty);
    for (const [, slot] of pending) clearTimeout(slot.timer);
    await Promise.all(pending.map(([key]) => this.run(key)));
  }

  /** No more retries or trailing runs (shutdown): a process must be able to exit while the target is down. */
  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { inFlight: false, dirty: false, lastRunAt: 0, failures: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  private async run(key: string): Promise<void> {
    const slot = this.slot(key);
    slot.timer = undefined;
    slot.dirty = false;
    slot.inFlight = true;
    slot.lastRunAt = this.now();
    try {
      await this.action(key);
      slot.failures = 0;
    } catch (err) {
      slot.failures += 1;
      slot.lastRunAt = 0;
      slot.dirty = true;
      this.options.onError?.(key, err);
    } finally {
      slot.inFlight = false;
    }
    if (slot.dirty && !this.stopped) {
      const delay =
        slot.failures > 0
          ? Math.min(500 * 2 ** slot.failures, this.options.maxRetryMs ?? 30_000)
          : this.options.windowMs;
      slot.timer = setTimeout(() => void this.run(key), delay);
    } else if (this.slots.size > 10_000) {
      // Keys come from outside (workspace ids): forget idle ones so the map stays bounded.
      this.slots.delete(key);
    }
  }
}
