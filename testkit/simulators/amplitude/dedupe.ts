import { createHash } from 'node:crypto';
import type { ReceivedEvent } from './upload';

/**
 * Amplitude's dedupe (https://amplitude.com/docs/apis/analytics/http-v2, insert_id): a repeated insert_id on the same device_id, per project, within the
 * window is ignored. Without insert_id it dedupes on event_id + time + device_id; we apply that only when
 * both event_id and time are present, since without them distinct events would collapse.
 * The window runs from the first copy; later duplicates don't extend it.
 */
export class DedupeIndex {
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Records the event and tells whether it repeats one seen within the window. */
  isDuplicate(apiKey: string, event: ReceivedEvent, now: number): boolean {
    const key = dedupeKey(apiKey, event);
    if (key === undefined) return false;
    const seenAt = this.firstSeen.get(key);
    if (seenAt !== undefined && now - seenAt < this.windowMs) return true;
    this.firstSeen.set(key, now);
    return false;
  }

  clear(): void {
    this.firstSeen.clear();
  }
}

/** Without a device_id Amplitude uses a hash of user_id (https://amplitude.com/docs/apis/analytics/http-v2); which hash is not documented. */
function deviceOf(event: ReceivedEvent): string | undefined {
  if (event.device_id) return event.device_id;
  return event.user_id ? `user-hash:${createHash('sha256').update(event.user_id).digest('hex')}` : undefined;
}

function dedupeKey(apiKey: string, event: ReceivedEvent): string | undefined {
  const device = deviceOf(event);
  if (device === undefined) return undefined;
  if (typeof event.insert_id === 'string' && event.insert_id) {
    return ['insert', apiKey, device, event.insert_id].join('\u0000');
  }
  if (event.event_id !== undefined && event.time !== undefined) {
    return ['event', apiKey, device, String(event.event_id), String(event.time)].join('\u0000');
  }
  return undefined;
}
