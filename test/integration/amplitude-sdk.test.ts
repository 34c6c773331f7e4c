import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstance, Identify, Types } from '@amplitude/analytics-node';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { createSync, updateSettings, waitForSync } from '../../testkit/destination-flow';

/**
 * Our Amplitude-compatible ingestion judged by the official Node SDK (@amplitude/analytics-node, from npm),
 * pointed at our /2/httpapi and /batch by changing only its server URL: what the SDK reports (success,
 * the events it dropped as invalid, the whole batch failed for a wrong key, its batch halved on 413) and
 * what reached Intercom at the far end. We never throttle (429) a sender ourselves: a burst far above
 * Amplitude's per-user rate is accepted whole, and the SDK holds nothing back.
 */
type Client = ReturnType<typeof createInstance>;

describe.each(['/2/httpapi', '/batch'] as const)('the Amplitude Node SDK sending to our %s', (path) => {
  let h: Harness;
  let sync: Awaited<ReturnType<typeof createSync>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    h = await startHarness();
    sync = await createSync(h, undefined, `SDK ${path}`);
    h.intercom.seedContacts(
      sync.appId,
      Array.from({ length: 20 }, (_, i) => ({ externalId: `sdk-user-${i}` })),
    );
    const settings = await updateSettings(h, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: [] },
      status: 'enabled',
    });
    expect(settings.status).toBe(200);
  });
  afterAll(async () => {
    for (const client of clients) client.setOptOut(true);
    await h?.stop();
  });

  async function sdk(options: Types.NodeOptions = {}, apiKey = sync.ingestKey): Promise<Client> {
    const client = createInstance();
    clients.push(client);
    await client.init(apiKey, {
      serverUrl: `${h.apiUrl}${path}`,
      flushIntervalMillis: 50,
      flushMaxRetries: 3,
      logLevel: Types.LogLevel.None,
      ...options,
    }).promise;
    return client;
  }

  /** amplitude_ingest_events_total for this endpoint and outcome, read from our /metrics. */
  async function ingestCount(outcome: string): Promise<number> {
    const text = await (await fetch(`${h.apiUrl}/metrics`)).text();
    const endpoint = path === '/batch' ? 'batch' : 'httpapi';
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('amplitude_ingest_events_total{') &&
          l.includes(`endpoint="${endpoint}"`) &&
          l.includes(`outcome="${outcome}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  const intercomEvents = (name: string) => h.intercom.events(sync.appId).filter((e) => e.eventName === name);

  it('success: tracked events and identifies are acknowledged, and the events reach Intercom', async () => {
    const client = await sdk();
    const name = uniqueId('sdk-tracked');
    const [first, second, identified] = await Promise.all([
      client.track(name, { plan: 'pro' }, { user_id: 'sdk-user-1' }).promise,
      client.track(name, {}, { user_id: 'sdk-user-2' }).promise,
      client.identify(new Identify().set('plan', 'pro'), { user_id: 'sdk-user-1' }).promise,
    ]);
    expect([first.code, first.message]).toEqual([200, 'Event tracked successfully']);
    expect([second.code, identified.code]).toEqual([200, 200]);
    await eventually(
      () =>
        expect(
          intercomEvents(name)
            .map((e) => e.externalId)
            .sort(),
        ).toEqual(['sdk-user-1', 'sdk-user-2']),
      {
        timeoutMs: 30_000,
      },
    );
  });

  it('invalid events: the SDK drops exactly those we list, and the rest arrive', async () => {
    const client = await sdk();
    const name = uniqueId('sdk-mixed');
    const [valid, invalidId, alsoValid] = await Promise.all([
      client.track(name, {}, { user_id: 'sdk-user-3' }).promise,
      client.track(name, {}, { user_id: 'anonymous' }).promise,
      client.track(name, {}, { user_id: 'sdk-user-4' }).promise,
    ]);
    expect([invalidId.code, invalidId.message]).toEqual([400, 'Invalid field values on some events']);
    expect([valid.code, alsoValid.code]).toEqual([200, 200]);
    await eventually(() => expect(intercomEvents(name)).toHaveLength(2), { timeoutMs: 30_000 });
    await waitForSync(h, sync.connectionId, (s) => s.pending === 0);
    expect(
      intercomEvents(name)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual(['sdk-user-3', 'sdk-user-4']);
  });

  it('a key that is no sync of ours fails the whole batch at once', async () => {
    const client = await sdk({}, `not-${sync.ingestKey}`);
    const answers = await Promise.all([
      client.track('Opened', {}, { user_id: 'sdk-user-5' }).promise,
      client.track('Opened', {}, { user_id: 'sdk-user-6' }).promise,
    ]);
    expect(answers.map((r) => [r.code, r.message])).toEqual([
      [400, 'Invalid API key'],
      [400, 'Invalid API key'],
    ]);
  });

  it(`a batch over the size limit: ${path === '/batch' ? 'accepted whole (20 MB)' : '413, and the SDK halves it'}; every event arrives`, async () => {
    // A long interval so the SDK queues all 120 events before its first flush; 120 × 9 KB is over 1 MB.
    const client = await sdk({ flushQueueSize: 200, flushIntervalMillis: 1_000 });
    const name = uniqueId('sdk-bulk');
    const blob = 'b'.repeat(9_000);
    // Distinct whole seconds: Intercom keeps one event per user, name and second.
    const base = Date.now() - 600_000;
    const answers = await Promise.all(
      Array.from(
        { length: 120 },
        (_, i) => client.track(name, { blob }, { user_id: `sdk-user-${i % 20}`, time: base + i * 1_000 }).promise,
      ),
    );
    expect(answers.map((r) => r.code)).toEqual(Array(120).fill(200));
    // What we answered, from our own /metrics: a 413 the SDK recovered from on /2/httpapi, none on /batch.
    const refused413 = await ingestCount('rejected_413');
    expect(refused413).toBe(path === '/2/httpapi' ? 1 : 0);
    await eventually(() => expect(intercomEvents(name)).toHaveLength(120), { timeoutMs: 60_000 });
  });

  it('no throttling from us: a burst far above 30 events/s for one user is accepted at once', async () => {
    const client = await sdk({ flushQueueSize: 500 });
    const name = uniqueId('sdk-burst');
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 300 }, () => client.track(name, {}, { user_id: 'sdk-user-7' }).promise),
    );
    expect(answers.map((r) => r.code)).toEqual(Array(300).fill(200));
    // A 429 would have held the events for 30 s.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
