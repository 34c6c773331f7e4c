/**
 * Group commit: items added while a write runs are written together by the next one. One write runs at a time,
 * so under light load an item is written at once (no added latency) and under heavy load one write carries many
 * items (one round trip and one commit for all of them). `add` settles when the write that carried the item has:
 * it rejects with that write's error, for every item of it.
 */
export class GroupCommit<T> {
  private queue: { item: T; done: (err?: unknown) => void }[] = [];
  private running?: Promise<void>;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
      void this.pump();
    });
  }

  /** Resolves when every item added so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      await this.running;
      if (!this.running && this.queue.length > 0) await this.pump();
    }
  }

  private async pump(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.running = this.write(batch.map((b) => b.item)).then(
      () => batch.forEach((b) => b.done()),
      (err: unknown) => batch.forEach((b) => b.done(err ?? new Error('group commit failed'))),
    );
    await this.running;
    this.running = undefined;
    if (this.queue.length > 0) await this.pump();
  }
}
