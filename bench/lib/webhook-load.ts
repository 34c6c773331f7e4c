import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import { readLoadOptions } from './load-options';

/**
 * Load generator, run as its own process so it does not share an event loop with what it measures:
 * sends unique, signed Intercom `contact.user.created` webhooks. Each contact's `name` carries the
 * send time (`t:<ms>`), which Amplitude receives as a user property: end-to-end latency is measured
 * at the simulator from it.
 * Usage: node --import tsx bench/lib/webhook-load.ts '<json LoadOptions>'  → prints autocannon's JSON result.
 */
export interface LoadOptions {
  url: string;
  secret: string;
  appId: string;
  /** Many workspaces (tenants): notifications are spread over these instead of `appId`. */
  appIds?: string[];
  /** With `appIds`: the share of notifications that go to the first one (a noisy neighbour); the rest are even. */
  noisyShare?: number;
  durationSeconds: number;
  connections: number;
  /** Requests per second in total; omit for as fast as possible. */
  rate?: number;
  /** Distinct users the contacts are spread over. */
  users?: number;
  /** Prefix keeping runs apart. */
  runId: string;
  /**
   * Sign this many distinct notifications before the run and cycle through them, so the generator
   * spends its CPU on sending rather than signing (throughput runs). Send times are then not
   * meaningful; latency runs leave this unset.
   */
  precomputed?: number;
}

export async function runWebhookLoad(options: LoadOptions): Promise<autocannon.Result> {
  let n = 0;
  const users = options.users ?? 1000;
  const signed = (body: string) => ({
    'content-type': 'application/json',
    'x-hub-signature': `sha1=${createHmac('sha1', options.secret).update(body).digest('hex')}`,
  });
  // Precomputed: bodies signed up front, handed out one by one (each is still sent once).
  const ready = Array.from({ length: options.precomputed ?? 0 }, (_, i) => {
    const body = notificationBody(options, i + 1, users, Date.now());
    return { body, signature: signed(body)['x-hub-signature'] };
  });
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          n += 1;
          const next = ready[n - 1];
          const body = next?.body ?? notificationBody(options, n + ready.length, users, Date.now());
          const signature = next?.signature ?? signed(body)['x-hub-signature'];
          return { ...request, body, headers: { ...request.headers, 'x-hub-signature': signature } };
        },
      },
    ],
  });
  return instance;
}

/** The workspace notification `n` goes to: spread evenly, or with a noisy first tenant (deterministic in n). */
export function appIdFor(options: Pick<LoadOptions, 'appId' | 'appIds' | 'noisyShare'>, n: number): string {
  const ids = options.appIds;
  if (!ids || ids.length === 0) return options.appId;
  const share = options.noisyShare ?? 0;
  // A fixed, well-spread fraction per n (golden ratio), so the shares hold over any window.
  const u = (n * 0.6180339887498949) % 1;
  if (share > 0 && (u < share || ids.length === 1)) return ids[0]!;
  const others = share > 0 ? ids.slice(1) : ids;
  return others[n % others.length]!;
}

/** One signed-to-be `contact.user.created` notification (shared with the paced generator). */
export function notificationBody(options: LoadOptions, n: number, users: number, now: number): string {
  const seconds = Math.floor(now / 1000);
  const appId = appIdFor(options, n);
  return JSON.stringify({
    type: 'notification_event',
    app_id: appId,
    id: `notif_${options.runId}_${n}`,
    topic: 'contact.user.created',
    created_at: seconds,
    delivery_attempts: 1,
    first_sent_at: seconds,
    data: {
      type: 'notification_event_data',
      item: {
        type: 'contact',
        id: `c_${options.runId}_${n}`,
        workspace_id: appId,
        external_id: `user-${n % users}`,
        role: 'user',
        email: `user-${n % users}@example.com`,
        name: `t:${now}`,
        created_at: seconds,
        updated_at: seconds,
      },
    },
  });
}

/** Same load, against any URL that answers 200 (the bare baseline). */
if (require.main === module) {
  runWebhookLoad(readLoadOptions<LoadOptions>(process.argv[2])).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
      process.stderr.write(String(err));
      process.exit(1);
    },
  );
}
