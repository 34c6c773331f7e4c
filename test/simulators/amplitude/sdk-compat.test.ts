import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInstance, Identify, Types } from '@amplitude/analytics-node';
import { API_KEY, startSimulator, type Started } from './helpers';

/**
 * The official Node SDK (@amplitude/analytics-node, from npm) judges the simulator: it routes on the
 * JSON body's `code`, drops the events a 400 lists, halves its batch on 413, holds throttled events and
 * drops daily-quota ones on 429. If the simulator misread Amplitude's answers, the SDK would misbehave
 * here: results it reports and what reached the simulator are both checked.
 */
type Client = ReturnType<typeof createInstance>;

let s: Started | undefined;
let client: Client | undefined;

async function sdk(path: '/2/httpapi' | '/batch', options: Types.NodeOptions = {}, apiKey = API_KEY) {
  client = createInstance();
  await client.init(apiKey, {
    serverUrl: `${s!.url}${path}`,
    flushIntervalMillis: 20,
    flushQueueSize: 100,
    flushMaxRetries: 5,
    logLevel: Types.LogLevel.None,
    ...options,
  }).promise;
  return client;
}

const results = (c: Client, count: number, eventType: string, userId: (i: number) => string) =>
  Promise.all(Array.from({ length: count }, (_, i) => c.track(eventType, { i }, { user_id: userId(i) }).promise));

afterEach(async () => {
  vi.useRealTimers();
  client?.setOptOut(true);
  client = undefined;
  await s?.sim.close();
  s = undefined;
});

describe('Amplitude simulator judged by the official Node SDK', () => {
  it.each(['/2/httpapi', '/batch'] as const)('%s: success for tracked events and identifies', async (path) => {
    s = await startSimulator({ apiKeys: [API_KEY] });
    const c = await sdk(path);
    const [tracked, identified] = await Promise.all([
      c.track('Button Clicked', { plan: 'pro' }, { user_id: 'sdk-user-1' }).promise,
      c.identify(new Identify().set('plan', 'pro').add('logins', 1), { user_id: 'sdk-user-1' }).promise,
    ]);
    expect([tracked.code, tracked.message]).toEqual([200, 'Event tracked successfully']);
    expect(identified.code).toBe(200);
    expect(s.sim.events).toHaveLength(1);
    expect(s.sim.events[0]!.event).toMatchObject({
      event_type: 'Button Clicked',
      user_id: 'sdk-user-1',
      insert_id: tracked.event.insert_id,
      library: expect.stringMatching(/^amplitude-node-ts\//),
    });
    expect(s.sim.userProperties('sdk-user-1', API_KEY)).toEqual({ plan: 'pro', logins: 1 });
  });

  it('an invalid API key fails the whole batch at once, as the SDK reads "Invalid API key"', async () => {
    s = await startSimulator({ apiKeys: [API_KEY] });
    const c = await sdk('/2/httpapi', {}, 'not-a-project-key');
    const answers = await results(c, 3, 'Opened', (i) => `sdk-user-${i}`);
    expect(answers.map((r) => [r.code, r.message])).toEqual(Array(3).fill([400, 'Invalid API key']));
    expect(s.sim.requests).toHaveLength(1); // not retried
    expect(s.sim.events).toHaveLength(0);
  });

  it('a 400 listing invalid events: the SDK drops those and the resend of the rest succeeds', async () => {
    s = await startSimulator({ apiKeys: [API_KEY] });
    const c = await sdk('/2/httpapi', { flushIntervalMillis: 50 });
    const [valid, invalidId, alsoValid] = await Promise.all([
      c.track('Viewed', {}, { user_id: 'sdk-user-1' }).promise,
      c.track('Viewed', {}, { user_id: 'anonymous' }).promise,
      c.track('Viewed', {}, { user_id: 'sdk-user-2' }).promise,
    ]);
    expect([invalidId.code, invalidId.message]).toEqual([400, 'Invalid field values on some events']);
    expect([valid.code, alsoValid.code]).toEqual([200, 200]);
    expect(s.sim.requests.map((r) => [r.status, (r.body as { events: unknown[] }).events.length])).toEqual([
      [400, 3],
      [200, 2],
    ]);
    expect(s.sim.events.map((e) => e.event.user_id)).toEqual(['sdk-user-1', 'sdk-user-2']);
  });

  it('413: the SDK halves its batch and everything arrives', async () => {
    s = await startSimulator({ apiKeys: [API_KEY] });
    // A long flush interval, so all 120 events are queued before the first flush.
    const c = await sdk('/2/httpapi', { flushQueueSize: 200, flushIntervalMillis: 1_000 });
    // 120 events of 9 KB: over the 1 MB of one HTTP V2 request, under it in halves.
    const blob = 'b'.repeat(9_000);
    const answers = (
      await Promise.all(
        Array.from({ length: 120 }, (_, i) => c.track('Bulk', { blob }, { user_id: `sdk-bulk-${i % 20}` }).promise),
      )
    ).map((r) => r.code);
    expect(answers).toEqual(Array(120).fill(200));
    expect(
      s.sim.requests.map((r) => [r.status, (r.body as { events?: unknown[] } | undefined)?.events?.length]),
    ).toEqual([
      [413, 120],
      [200, 100],
      [200, 20],
    ]);
    expect(s.sim.events).toHaveLength(120);
  });

  it('429 on /2/httpapi: the SDK holds the throttled request 30 s (it read throttled_events), then delivers', async () => {
    s = await startSimulator({ apiKeys: [API_KEY], epsThreshold: 1 });
    const c = await sdk('/2/httpapi', { flushIntervalMillis: 50 });
    await results(c, 31, 'Burst', () => 'sdk-hot-user'); // the hot user's recent rate is now above 1 per second
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = Promise.all([
      c.track('Calm', {}, { user_id: 'sdk-calm-user' }).promise,
      c.track('Hot', {}, { user_id: 'sdk-hot-user' }).promise,
    ]);
    const requestsBefore = s.sim.requests.length;
    await vi.advanceTimersByTimeAsync(50);
    await vi.waitUntil(
      () => s!.sim.requests.length === requestsBefore + 1 && s!.sim.requests.at(-1)!.status !== undefined,
      {
        timeout: 5_000,
      },
    );
    expect(s.sim.requests.at(-1)).toMatchObject({ status: 429 });
    // Nothing is sent again until the throttle pause is over (a client blind to the body would retry at once).
    await vi.advanceTimersByTimeAsync(29_000);
    expect(s.sim.requests).toHaveLength(requestsBefore + 1);
    s.clock.now += 31_000; // Amplitude's window has slid past the burst
    await vi.advanceTimersByTimeAsync(1_100);
    const [calm, hot] = await pending;
    expect([calm.code, hot.code]).toEqual([200, 200]);
    expect(s.sim.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('429 on /batch: events of a user over the daily quota are dropped with 429, the rest delivered', async () => {
    s = await startSimulator({ apiKeys: [API_KEY], dailyQuota: 3 });
    const c = await sdk('/batch', { flushIntervalMillis: 50 });
    await results(c, 3, 'Heavy', () => 'sdk-quota-user');
    const [overQuota, other] = await Promise.all([
      c.track('Heavy', {}, { user_id: 'sdk-quota-user' }).promise,
      c.track('Light', {}, { user_id: 'sdk-fresh-user' }).promise,
    ]);
    expect(overQuota.code).toBe(429);
    expect(other.code).toBe(200);
    expect(s.sim.events.filter((e) => e.event.user_id === 'sdk-quota-user')).toHaveLength(3);
    expect(s.sim.events.some((e) => e.event.user_id === 'sdk-fresh-user')).toBe(true);
  });
});
