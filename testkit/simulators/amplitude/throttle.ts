import { LIMITS, type Throttled } from './documented';
import type { ReceivedEvent } from './upload';
import { SlidingCounter } from './sliding-counter';

export interface ThrottleOptions {
  /** Window the events-per-second rate is averaged over. */
  windowMs: number;
  /** Events per user or device per rolling 24 h on /batch. */
  dailyQuota: number;
}

/**
 * Amplitude's per-user and per-device throttling, per project (api key). A user or device is hot when its
 * rate over the window, from events already accepted, exceeds the threshold: a burst is let in and the
 * requests after it get 429 until the window slides past it. Rejected events don't count.
 */
export class Throttle {
  private readonly eps: SlidingCounter;
  private readonly daily = new SlidingCounter(LIMITS.dailyQuotaWindowMs, LIMITS.dailyQuotaStepMs);

  constructor(private readonly options: ThrottleOptions) {
    this.eps = new SlidingCounter(options.windowMs, 1000);
  }

  /** The 429 details for this request, or undefined when it may pass. */
  check(
    apiKey: string,
    events: readonly ReceivedEvent[],
    epsThreshold: number,
    enforceDailyQuota: boolean,
    now: number,
  ): Throttled | undefined {
    const throttledUsers: Record<string, number> = {};
    const throttledDevices: Record<string, number> = {};
    const overQuotaUsers: Record<string, number> = {};
    const overQuotaDevices: Record<string, number> = {};
    const throttledEvents: number[] = [];
    events.forEach((event, index) => {
      let hot = false;
      let overQuota = false;
      for (const [kind, id, hotMap, quotaMap] of [
        ['user', event.user_id, throttledUsers, overQuotaUsers],
        ['device', event.device_id, throttledDevices, overQuotaDevices],
      ] as const) {
        if (!id) continue;
        const key = counterKey(apiKey, kind, id);
        const rate = this.eps.count(key, now) / (this.options.windowMs / 1000);
        if (rate > epsThreshold) {
          hotMap[id] = Math.ceil(rate);
          hot = true;
        }
        const today = enforceDailyQuota ? this.daily.count(key, now) : 0;
        if (enforceDailyQuota && today >= this.options.dailyQuota) {
          quotaMap[id] = today;
          overQuota = true;
        }
      }
      // Ids over the daily quota are reported through their own maps; the SDK drops those events.
      if (hot && !overQuota) throttledEvents.push(index);
    });
    const anyOverQuota = Object.keys(overQuotaUsers).length + Object.keys(overQuotaDevices).length > 0;
    if (throttledEvents.length === 0 && !anyOverQuota) return undefined;
    return {
      epsThreshold,
      users: throttledUsers,
      devices: throttledDevices,
      events: throttledEvents,
      ...(enforceDailyQuota && { overQuota: { users: overQuotaUsers, devices: overQuotaDevices } }),
    };
  }

  record(apiKey: string, events: readonly ReceivedEvent[], now: number): void {
    for (const event of events) {
      for (const [kind, id] of [
        ['user', event.user_id],
        ['device', event.device_id],
      ] as const) {
        if (!id) continue;
        this.eps.add(counterKey(apiKey, kind, id), 1, now);
        this.daily.add(counterKey(apiKey, kind, id), 1, now);
      }
    }
  }

  clear(): void {
    this.eps.clear();
    this.daily.clear();
  }
}

function counterKey(apiKey: string, kind: 'user' | 'device', id: string): string {
  return `${apiKey}\u0000${kind}\u0000${id}`;
}
