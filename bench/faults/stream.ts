import { createHmac } from 'node:crypto';
import type { Stack } from '../../testkit/stack';

/**
 * The fault scripts' load: signed Intercom webhooks sent at a steady rate, each remembered as
 * accepted (200) or not. Accepted means stored durably: it must reach Amplitude exactly once,
 * whatever the script breaks meanwhile.
 */
export interface StreamResult {
  sent: number;
  accepted: Set<string>;
  refused: number;
}

export function streamWebhooks(
  stack: Stack,
  appId: string,
  options: { rate: number; durationMs: number; runId: string; concurrency?: number },
): Promise<StreamResult> {
  const result: StreamResult = { sent: 0, accepted: new Set(), refused: 0 };
  const deadline = Date.now() + options.durationMs;
  const interval = 1000 / options.rate;
  let next = Date.now();
  const sendOne = async (n: number) => {
    const id = `${options.runId}-${n}`;
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      type: 'notification_event',
      app_id: appId,
      id: `notif_${id}`,
      topic: 'contact.user.created',
      created_at: now,
      data: {
        type: 'notification_event_data',
        item: { type: 'contact', id, external_id: `user-${n % 500}`, role: 'user', created_at: now, updated_at: now },
      },
    });
    const signature = `sha1=${createHmac('sha1', stack.intercom.clientSecret).update(body).digest('hex')}`;
    try {
      const response = await fetch(`${stack.apiUrl}/intercom/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
        body,
        signal: AbortSignal.timeout(5_000), // Intercom's own timeout
      });
      await response.arrayBuffer();
      if (response.status === 200) result.accepted.add(id);
      else result.refused += 1;
    } catch {
      result.refused += 1; // connection refused or timed out: not acknowledged
    }
  };
  return (async () => {
    const inFlight = new Set<Promise<void>>();
    let n = 0;
    while (Date.now() < deadline) {
      while (inFlight.size >= (options.concurrency ?? 32)) await Promise.race(inFlight);
      n += 1;
      result.sent += 1;
      const p = sendOne(n).finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    return result;
  })();
}

export interface ExactlyOnceCheck {
  delivered: number;
  missing: string[];
  storedTwice: number;
  unexpected: number;
  drainMs: number;
}

/** Waits until every accepted webhook reached Amplitude, then checks nothing arrived twice or from nowhere. */
export async function verifyExactlyOnce(
  stack: Stack,
  accepted: Set<string>,
  options: { timeoutMs: number; runId: string },
): Promise<ExactlyOnceCheck> {
  const started = Date.now();
  const itemIdsAtAmplitude = () =>
    stack.amplitude.events
      .map((e) => String((e.event.event_properties as Record<string, unknown> | undefined)?.intercom_item_id ?? ''))
      .filter((id) => id.startsWith(`${options.runId}-`));
  while (Date.now() - started < options.timeoutMs) {
    const seen = new Set(itemIdsAtAmplitude());
    if ([...accepted].every((id) => seen.has(id))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const ids = itemIdsAtAmplitude();
  const seen = new Set(ids);
  return {
    delivered: seen.size,
    missing: [...accepted].filter((id) => !seen.has(id)),
    storedTwice: ids.length - seen.size,
    // Not accepted by us but delivered: the api stored it and died before answering (Intercom would retry).
    unexpected: [...seen].filter((id) => !accepted.has(id)).length,
    drainMs: Date.now() - started,
  };
}
