import type { Lane } from '../delivery/shards';
import { Throttle } from '../util/throttle';

/**
 * Tells a delivery shard "new rows are waiting", as rarely as correctness allows.
 *
 * A shard's drain lingers while rows keep coming (it polls, and ends only after a second with nothing to
 * claim), so while this process keeps storing claimable rows for a shard with gaps shorter than `gapMs`
 * (well under the linger), the drain is still running and will claim them: no signal is needed. The first
 * row after a gap rings at once, rings close together fold into one (Throttle), and a ring every `safetyMs`
 * during a steady stream covers the rare drain that ended anyway (a crash, an error). Rows of connections
 * that are not claimable (paused, in error) never ring: their workflow rings the shard when they become
 * claimable. A ring that fails (Temporal unreachable) is retried with backoff until it is sent.
 */
export interface DoorbellOptions {
  gapMs?: number;
  safetyMs?: number;
  windowMs?: number;
  now?: () => number;
}

export class Doorbell {
  private readonly throttle: Throttle;
  private readonly lastStoredAt = new Map<string, number>();
  private readonly gapMs: number;
  private readonly safetyMs: number;
  private readonly now: () => number;

  constructor(
    send: (lane: Lane, shard: number) => Promise<void>,
    options: DoorbellOptions = {},
    onError: (lane: Lane, shard: number, err: unknown) => void = () => {},
  ) {
    this.gapMs = options.gapMs ?? 500;
    this.safetyMs = options.safetyMs ?? 15_000;
    this.now = options.now ?? Date.now;
    const parse = (key: string) => {
      const [lane, shard] = key.split('/');
      return [lane as Lane, Number(shard)] as const;
    };
    this.throttle = new Throttle((key) => send(...parse(key)), {
      windowMs: options.windowMs ?? 200,
      now: this.now,
      onError: (key, err) => onError(...parse(key), err),
    });
  }

  /** A row was stored for `shard`; `claimable` says whether its connection's delivery takes it now. */
  stored(lane: Lane, shard: number, claimable: boolean): void {
    if (!claimable) return;
    const key = `${lane}/${shard}`;
    const now = this.now();
    const streaming = now - (this.lastStoredAt.get(key) ?? 0) < this.gapMs;
    this.lastStoredAt.set(key, now);
    if (streaming && now - this.throttle.lastRunAt(key) < this.safetyMs) return;
    this.throttle.trigger(key);
  }

  /** Rings now (or right after the ring in flight), whatever was stored. */
  ring(lane: Lane, shard: number): void {
    this.throttle.trigger(`${lane}/${shard}`);
  }

  /** Sends any trailing rings now (shutdown). */
  flush(): Promise<void> {
    return this.throttle.flush();
  }

  /** No more retries (shutdown): call before `flush()`. */
  stop(): void {
    this.throttle.stop();
  }
}
