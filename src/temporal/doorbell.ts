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
 * that are not claimable (paused, in error) do not ring: their workflow rings the shard when they become
 * claimable, if it then finds rows pending. The insert read "held" when it began, though, and its rows commit
 * later: a workflow that made the connection claimable in between may have looked for rows before they were
 * there. So after the commit the doorbell asks again (`claimableNow`, one query for all such connections
 * at a time): if the connection is claimable now, it rings; if not, its workflow's look comes after the commit
 * and finds the rows. A ring that fails (Temporal unreachable) is retried with backoff until it is sent.
 */
export interface DoorbellOptions {
  gapMs?: number;
  safetyMs?: number;
  windowMs?: number;
  now?: () => number;
  /**
   * Which of these connections deliver now (not held); without it, held rows are not looked at again. When it
   * throws, their shards are rung.
   */
  claimableNow?: (connectionIds: string[]) => Promise<string[]>;
}

export class Doorbell {
  private readonly throttle: Throttle;
  private readonly lastStoredAt = new Map<string, number>();
  private readonly gapMs: number;
  private readonly safetyMs: number;
  private readonly now: () => number;
  private readonly claimableNow?: (connectionIds: string[]) => Promise<string[]>;
  /** Connections whose rows were stored while held, to ask about, with the shards (`lane/shard`) their rows went to. */
  private readonly toRecheck = new Map<string, Set<string>>();
  private rechecking = false;

  constructor(
    send: (lane: Lane, shard: number) => Promise<void>,
    options: DoorbellOptions = {},
    onError: (lane: Lane, shard: number, err: unknown) => void = () => {},
  ) {
    this.claimableNow = options.claimableNow;
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

  /**
   * A row of `connectionId` was committed on `shard`; `claimable` is what its insert read of the connection's
   * delivery state.
   */
  stored(lane: Lane, shard: number, claimable: boolean, connectionId: string): void {
    if (!claimable) {
      this.recheck(lane, shard, connectionId);
      return;
    }
    const key = `${lane}/${shard}`;
    const now = this.now();
    const streaming = now - (this.lastStoredAt.get(key) ?? 0) < this.gapMs;
    this.lastStoredAt.set(key, now);
    if (streaming && now - this.throttle.lastRunAt(key) < this.safetyMs) return;
    this.throttle.trigger(key);
  }

  /** Asks whether held connections deliver now, all that wait in one query, one query at a time. */
  private recheck(lane: Lane, shard: number, connectionId: string): void {
    if (!this.claimableNow) return;
    const shards = this.toRecheck.get(connectionId) ?? new Set<string>();
    this.toRecheck.set(connectionId, shards.add(`${lane}/${shard}`));
    if (this.rechecking) return;
    this.rechecking = true;
    setImmediate(() => void this.runRechecks());
  }

  private async runRechecks(): Promise<void> {
    while (this.toRecheck.size > 0) {
      const asked = new Map(this.toRecheck);
      this.toRecheck.clear();
      let ring: Iterable<string>;
      try {
        ring = await this.claimableNow!([...asked.keys()]);
      } catch {
        // Not knowing, ring: a needless drain costs a claim, a missed one leaves rows waiting.
        ring = asked.keys();
      }
      for (const id of ring) for (const key of asked.get(id) ?? []) this.throttle.trigger(key);
    }
    this.rechecking = false;
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
