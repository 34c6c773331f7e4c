/**
 * Counts per key over a sliding window, in fixed-size time buckets so memory stays bounded per key.
 * A bucket drops out once its start is a full window old.
 */
export class SlidingCounter {
  private readonly buckets = new Map<string, { start: number; count: number }[]>();

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs: number,
  ) {}

  add(key: string, amount: number, now: number): void {
    const start = Math.floor(now / this.bucketMs) * this.bucketMs;
    const live = this.live(key, now);
    const last = live[live.length - 1];
    if (last && last.start === start) last.count += amount;
    else live.push({ start, count: amount });
    this.buckets.set(key, live);
  }

  count(key: string, now: number): number {
    return this.live(key, now).reduce((sum, bucket) => sum + bucket.count, 0);
  }

  clear(): void {
    this.buckets.clear();
  }

  private live(key: string, now: number): { start: number; count: number }[] {
    const live = (this.buckets.get(key) ?? []).filter((bucket) => bucket.start > now - this.windowMs);
    if (live.length > 0) this.buckets.set(key, live);
    else this.buckets.delete(key);
    return live;
  }
}
