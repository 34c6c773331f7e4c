/**
 * Turns per key: work taken for a key runs after every earlier turn of that key has been released, while
 * different keys never wait for each other. The delivery drain overlaps a connection's groups (pipelining);
 * a lane that must keep their sends in claim order takes a turn when a group starts and waits for it only
 * just before sending, so everything before the send still overlaps.
 */
export interface Turn {
  /** Resolves when every earlier turn of the key has been released. */
  ready: Promise<void>;
  /** Ends this turn (idempotent): call it in a `finally`, whether or not the turn was used. */
  release(): void;
}

export class Turns {
  private readonly tails = new Map<string, Promise<void>>();

  take(key: string): Turn {
    const ready = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const tail = ready.then(() => released);
    this.tails.set(key, tail);
    void tail.then(() => {
      // The last turn of a key leaves nothing behind: idle keys cost no memory.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return { ready, release };
  }

  /** Keys with a turn taken and not yet released (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
