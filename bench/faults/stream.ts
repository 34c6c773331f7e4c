import { createHmac } from 'node:crypto';
import type { Stack } from '../../testkit/stack';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import type { Attempt, FaultRun } from './verdict';

/**
 * The fault scripts' load: signed Intercom webhooks sent at a steady rate, spread over many source
 * connections (each its own Intercom workspace and Amplitude project), each remembered as accepted
 * (200) or refused. Accepted means stored durably: it must reach Amplitude exactly once, whatever the
 * script breaks meanwhile. Everything is judged at the far end, through the stack's public behaviour
 * (webhooks in, Amplitude simulator out).
 */
export interface Tenant {
  appId: string;
  connectionId: string;
  apiKey: string;
}

/** Onboards `count` source connections through the admin API and the simulated OAuth, a few at a time. */
export async function onboardTenants(stack: Stack, count: number, prefix: string): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  const one = async (i: number) => {
    const { appId } = stack.intercom.addWorkspace({ name: `${prefix} ${i}` });
    const projectId = `${prefix}-${i}`;
    const apiKey = `amp-key-${projectId}`;
    const { connectionId } = await onboardSource(stack, {
      projectId,
      appId,
      identityMapping: 'user_id',
      amplitudeApiKey: apiKey,
    });
    await waitForSource(stack, connectionId, (s) => s.phase === 'listening', 60_000);
    tenants[i] = { appId, connectionId, apiKey };
  };
  for (let from = 0; from < count; from += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - from) }, (_, k) => one(from + k)));
  }
  return tenants;
}

export interface StreamResult {
  sent: number;
  accepted: Set<string>;
  /** The connection each webhook went to (by webhook id). */
  connectionOf: Map<string, string>;
  refused: number;
  /** When each refusal (non-200 or no answer) was sent. */
  refusedAt: number[];
}

/** Refusals of webhooks sent within [from, to] (ms since the epoch). */
export function refusedBetween(stream: StreamResult, from: number, to: number): number {
  return stream.refusedAt.filter((at) => at >= from && at <= to).length;
}

export function streamWebhooks(
  stack: Stack,
  tenants: readonly Tenant[],
  options: {
    rate: number;
    durationMs: number;
    runId: string;
    random: () => number;
    concurrency?: number;
    /** Given the result as it fills, for a script that looks at what was accepted so far. */
    live?: (result: StreamResult) => void;
  },
): Promise<StreamResult> {
  const result: StreamResult = { sent: 0, accepted: new Set(), connectionOf: new Map(), refused: 0, refusedAt: [] };
  options.live?.(result);
  const deadline = Date.now() + options.durationMs;
  const interval = 1000 / options.rate;
  let next = Date.now();
  const sendOne = async (n: number, tenant: Tenant) => {
    const id = `${options.runId}-${n}`;
    result.connectionOf.set(id, tenant.connectionId);
    const sentAt = Date.now();
    const now = Math.floor(sentAt / 1000);
    const body = JSON.stringify({
      type: 'notification_event',
      app_id: tenant.appId,
      id: `notif_${id}`,
      topic: 'contact.user.created',
      created_at: now,
      data: {
        type: 'notification_event_data',
        item: { type: 'contact', id, external_id: `user-${n % 500}`, role: 'user', created_at: now, updated_at: now },
      },
    });
    const signature = `sha1=${createHmac('sha1', stack.intercom.clientSecret).update(body).digest('hex')}`;
    let ok = false;
    try {
      const response = await fetch(`${stack.apiUrl}/intercom/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
        body,
        signal: AbortSignal.timeout(5_000), // Intercom's own timeout
      });
      await response.arrayBuffer();
      ok = response.status === 200;
    } catch {
      // connection refused or timed out: not acknowledged
    }
    if (ok) result.accepted.add(id);
    else {
      result.refused += 1;
      result.refusedAt.push(sentAt);
    }
  };
  return (async () => {
    const inFlight = new Set<Promise<void>>();
    let n = 0;
    while (Date.now() < deadline) {
      while (inFlight.size >= (options.concurrency ?? 32)) await Promise.race(inFlight);
      n += 1;
      result.sent += 1;
      const tenant = tenants[Math.floor(options.random() * tenants.length)]!;
      const p = sendOne(n, tenant).finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inFlight);
    return result;
  })();
}

/** What the Amplitude simulator holds for this run: stored events by webhook id, and every attempt of each. */
export function observeAmplitude(stack: Stack, runId: string): Pick<FaultRun, 'stored' | 'attempts'> {
  const stored = stack.amplitude.events.flatMap((e) => {
    const webhookId = String((e.event.event_properties as Record<string, unknown> | undefined)?.intercom_item_id ?? '');
    return webhookId.startsWith(`${runId}-`) ? [{ webhookId, insertId: String(e.event.insert_id ?? '') }] : [];
  });
  const attempts = new Map<string, readonly Attempt[]>();
  for (const { insertId } of stored) {
    attempts.set(
      insertId,
      stack.amplitude.attemptsOf(insertId).map((a) => ({ at: a.at, status: a.status })),
    );
  }
  return { stored, attempts };
}

/**
 * Waits until every accepted webhook reached Amplitude (or the timeout), then a quiet period more, so
 * copies that arrive late are counted too. Answers how long the drain took and, when webhooks are still
 * missing, the status of each connection they belong to (for a look at where they are stuck).
 */
export async function awaitDelivery(
  stack: Stack,
  stream: StreamResult,
  options: { timeoutMs: number; runId: string; quietMs?: number },
): Promise<{ drainMs: number; stuck: Record<string, { missing: number; status: unknown }> }> {
  const started = Date.now();
  const missing = () => {
    const seen = new Set(observeAmplitude(stack, options.runId).stored.map((s) => s.webhookId));
    return [...stream.accepted].filter((id) => !seen.has(id));
  };
  const died = () => [stack.worker, stack.api].some((service) => service.ended !== undefined);
  while (Date.now() - started < options.timeoutMs && missing().length > 0 && !died()) {
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainMs = Date.now() - started;
  const stuck: Record<string, { missing: number; status: unknown }> = {};
  for (const id of missing()) {
    const connectionId = stream.connectionOf.get(id) ?? 'unknown';
    stuck[connectionId] ??= { missing: 0, status: undefined };
    stuck[connectionId].missing += 1;
  }
  if (Object.keys(stuck).length > 0) {
    // Where it is stuck: a service that died (its last output), then each connection's status.
    for (const service of [stack.worker, stack.api]) {
      if (service.ended === undefined) continue;
      process.stderr.write(`${service.kind} ${service.ended}; its last output:\n${service.log.slice(-4_000)}\n`);
    }
    for (const [connectionId, entry] of Object.entries(stuck)) {
      if (died()) break; // a status needs the worker
      entry.status = await stack
        .admin('GET', `/api/connections/${connectionId}`)
        .then((r) => r.body)
        .catch((err: Error) => `status not read: ${err.message}`);
    }
  }
  await new Promise((r) => setTimeout(r, options.quietMs ?? 3_000));
  return { drainMs, stuck };
}
