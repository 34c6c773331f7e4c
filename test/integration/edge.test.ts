import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { signWebhookBody } from '../../src/intercom/webhook-signature';
import { freePort } from '../../src/temporal/dev-server';
import { itemForTopic } from '../../testkit/simulators/intercom';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { onboardSource, waitForSource } from '../../testkit/source-flow';
import { createSync, ingest } from '../../testkit/destination-flow';
import { eventually } from '../../testkit/eventually';
import { ServiceProcess } from '../../testkit/service-process';
import { TcpProxy } from '../../testkit/tcp-proxy';
import { findUnstorableRows } from '../../src/destination/unstorable-rows';

/**
 * What a stranger (or a key holder, or a broken dependency) can do to the public endpoints: adversarial
 * bodies of the maximum size never hold the event loop, oversize bodies are refused before they are
 * read, poison events are named in a 400 instead of a 503 loop, stale replays are not stored, outages
 * answer fast, and the api works while Temporal is down.
 */

async function inboxRows(h: Harness, connectionId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    h.database.db,
    sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
  );
  return row!.n;
}

async function outboxRows(h: Harness, connectionId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    h.database.db,
    sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${connectionId}`,
  );
  return row!.n;
}

/** A signed notification body as Intercom sends it, with `created_at` `ageSeconds` ago. */
function notificationBody(
  appId: string,
  item: Record<string, unknown>,
  topic = 'contact.user.created',
  ageSeconds = 0,
) {
  const now = Math.floor(Date.now() / 1000) - ageSeconds;
  return JSON.stringify({
    type: 'notification_event',
    app_id: appId,
    id: `notif_${randomBytes(6).toString('hex')}`,
    topic,
    created_at: now,
    delivery_attempts: 1,
    first_sent_at: now,
    data: { type: 'notification_event_data', item },
  });
}

/** `gc()` without starting node with --expose-gc: lets a test leave its own garbage out of a measurement. */
function garbageCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('public endpoints against adversarial input', () => {
  let h: Harness;
  let appId: string;
  let sourceId: string;
  let ingestKey: string;
  let syncId: string;
  beforeAll(async () => {
    // No worker in this process, and none once the connections are set up: rows stay where the api put
    // them, and nothing else runs on the event loop being measured. A worker process brings the two
    // connections to their receiving status (their workflows publish it), then stops.
    h = await startHarness({
      noInProcessWorker: true,
      env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_INGEST_KEY: '0' },
    });
    const worker = new ServiceProcess('worker', { ...h.rawEnv, METRICS_PORT: '0' });
    await worker.start();
    try {
      appId = h.intercom.addWorkspace({ name: 'Edge' }).appId;
      ({ connectionId: sourceId } = await onboardSource(h, {
        projectId: uniqueId('edge'),
        appId,
        identityMapping: 'user_id',
      }));
      await waitForSource(h, sourceId, (s) => s.status === 'Listening');
      ({ ingestKey, connectionId: syncId } = await createSync(h));
    } finally {
      await worker.stop();
    }
  });
  afterAll(async () => {
    await h?.stop();
  });

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${h.apiUrl}${path}`, { method: 'POST', body, headers });
  const signed = (body: string) => ({
    'content-type': 'application/json',
    'x-hub-signature': signWebhookBody(body, h.intercom.clientSecret),
  });

  it('never holds the event loop more than 50 ms, whatever the maximum-size body on any public endpoint', async () => {
    const collectGarbage = garbageCollector();
    const boundary = 'b0undary';
    // The reported attack: a 240 KB part header made the old multipart regex run for over a second (2.3 s here).
    const quadraticHeader =
      `--${boundary}\r\n${'Content-Disposition:'.repeat(12_000)}\r\n\r\nv\r\n`.padEnd(999_000, 'y') +
      `\r\n--${boundary}--\r\n`;
    const tinyTokens = (bytes: number) => `[${'1,'.repeat(Math.floor(bytes / 2) - 1)}1]`;
    const wideItem = JSON.stringify(Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i]))).slice(
      0,
      990_000,
    );
    const wideBody = notificationBody(appId, JSON.parse(`${wideItem.slice(0, wideItem.lastIndexOf(','))}}`));
    const manyEvents = (key: string, count: number, propertyBytes: number) =>
      JSON.stringify({
        api_key: key,
        events: Array.from({ length: count }, (_, i) => ({
          event_type: 'Viewed',
          user_id: `user-${i}`,
          event_properties: { list: JSON.parse(tinyTokens(propertyBytes)) },
        })),
      });
    const twentyMb = 19_900_000;
    const json = { 'content-type': 'application/json' };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    // Every body is built (and encoded) before the measurement: only the service's work is on the clock.
    const attacks: {
      name: string;
      path: string;
      method?: string;
      headers?: Record<string, string>;
      body?: () => string;
      expected: number;
    }[] = [
      { name: 'webhook, unsigned 1 MB', path: '/intercom/webhooks', body: () => 'x'.repeat(999_000), expected: 401 },
      {
        name: 'webhook, signed 1 MB item of 60,000 keys',
        path: '/intercom/webhooks',
        body: () => wideBody,
        headers: signed(wideBody),
        expected: 200,
      },
      { name: 'webhook, 20 MB', path: '/intercom/webhooks', body: () => 'x'.repeat(twentyMb), expected: 413 },
      {
        name: 'uninstall, 20 MB',
        path: '/intercom/uninstall',
        body: () => '{"a":'.repeat(4_000_000),
        headers: json,
        expected: 413,
      },
      {
        name: 'OAuth callback, long query and 20 MB body',
        path: `/oauth/intercom/callback?code=${'c'.repeat(12_000)}&state=s`,
        body: () => 'x'.repeat(twentyMb),
        expected: 404,
      },
      {
        name: 'OAuth callback GET, long query',
        path: `/oauth/intercom/callback?code=${'c'.repeat(12_000)}&state=${'s'.repeat(2_000)}`,
        method: 'GET',
        headers: { accept: 'application/json' },
        expected: 400,
      },
      {
        name: 'HTTP V2, 1 MB of tiny tokens, unknown key',
        path: '/2/httpapi',
        body: () => manyEvents('nope', 2_000, 400),
        headers: json,
        expected: 400,
      },
      {
        name: 'HTTP V2, 1 MB of tiny tokens, valid key',
        path: '/2/httpapi',
        body: () => manyEvents(ingestKey, 2_000, 400),
        headers: json,
        expected: 200,
      },
      {
        name: 'Batch, 20 MB, unknown key first',
        path: '/batch',
        body: () => manyEvents('nope', 2_000, 9_900),
        headers: json,
        expected: 400,
      },
      {
        name: 'Batch, 20 MB, key last',
        path: '/batch',
        body: () =>
          `{"events":[{"event_type":"e","user_id":"user-1","p":${tinyTokens(twentyMb)}}],"api_key":"${ingestKey}"}`,
        headers: json,
        expected: 413,
      },
      {
        name: 'Batch, 20 MB of tiny tokens, valid key',
        path: '/batch',
        body: () => manyEvents(ingestKey, 2_000, 9_900),
        headers: json,
        expected: 200,
      },
      {
        name: 'Identify, 1 MB multipart with a quadratic part header',
        path: '/identify',
        body: () => quadraticHeader,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        expected: 400,
      },
      {
        name: 'Identify, 1 MB form of tiny tokens, valid key',
        path: '/identify',
        body: () =>
          `api_key=${ingestKey}&identification=${encodeURIComponent(JSON.stringify({ user_id: 'user-1', user_properties: { $set: { l: JSON.parse(tinyTokens(330_000)) } } }))}`,
        headers: form,
        expected: 200,
      },
      {
        name: 'Identify GET, long query',
        path: `/identify?api_key=${ingestKey}&identification=${'%5B'.repeat(3_000)}`,
        method: 'GET',
        expected: 400,
      },
      {
        name: 'Amplitude webhook, 20 MB, bad key',
        path: '/amplitude/webhook',
        body: () => 'x'.repeat(twentyMb),
        headers: { authorization: 'Bearer nope' },
        expected: 401,
      },
      {
        name: 'Amplitude webhook, 1 MB of tiny tokens, valid key',
        path: '/amplitude/webhook',
        body: () =>
          JSON.stringify({
            event_type: 'e',
            user_id: 'user-1',
            event_properties: { l: JSON.parse(tinyTokens(990_000)) },
          }),
        headers: { authorization: `Bearer ${ingestKey}`, ...json },
        expected: 200,
      },
      {
        name: 'admin API, bad token, 20 MB',
        path: '/api/sources',
        body: () => 'x'.repeat(twentyMb),
        headers: { authorization: 'Bearer wrong-token-000000', ...json },
        expected: 401,
      },
      { name: 'setup page, 20 MB body', path: '/setup', body: () => 'x'.repeat(twentyMb), expected: 404 },
    ];
    const blocked: string[] = [];
    for (const { name, path, method = 'POST', headers = {}, body, expected } of attacks) {
      const bytes = body === undefined ? undefined : Buffer.from(body());
      // Only the service's work on the clock: the test's own garbage (building the body) is collected first.
      collectGarbage();
      // The machine is shared: one preemption can look like a block, a real block happens again. Five tries:
      // the largest bodies take 25–40 ms alone and, with the whole suite on 2 cores, three tries once all came
      // out over 50 ms (54 ms, Batch of 20 MB of tiny tokens).
      let worstMs = Infinity;
      for (let attempt = 0; attempt < 5 && worstMs > 50; attempt += 1) {
        const histogram = monitorEventLoopDelay({ resolution: 5 });
        histogram.enable();
        const response = await fetch(`${h.apiUrl}${path}`, { method, headers, body: bytes });
        await response.arrayBuffer();
        await new Promise((r) => setTimeout(r, 20));
        histogram.disable();
        expect(response.status, name).toBe(expected);
        worstMs = Math.min(worstMs, histogram.max / 1e6);
      }
      if (worstMs > 50) blocked.push(`${name}: ${worstMs.toFixed(0)} ms`);
    }
    expect(blocked).toEqual([]);
  });

  it("refuses oversize bodies before reading them, and reads a stranger's Batch only to its key", async () => {
    /** Sends headers and `sendBytes` of the body, then waits for an answer without sending the rest. */
    const partial = (path: string, headers: string, sendBytes: number) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(h.apiUrl);
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
          if (sendBytes > 0)
            socket.write(sendBytes === 1 ? '{' : `{"api_key":"not-a-key","events":[${' '.repeat(sendBytes)}`);
        });
        let answer = '';
        socket.on('data', (d) => {
          answer += d.toString();
          if (answer.includes('\r\n\r\n')) {
            socket.destroy();
            resolve(answer.split('\r\n')[0]!);
          }
        });
        socket.on('error', reject);
        setTimeout(() => reject(new Error(`no answer from ${path}: the server waited for the body`)), 10_000);
      });
    const json = 'Content-Type: application/json\r\n';
    expect(await partial('/2/httpapi', `${json}Content-Length: 1000001\r\n`, 0)).toContain('413');
    expect(
      await partial('/identify', `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000001\r\n`, 0),
    ).toContain('413');
    expect(await partial('/batch', `${json}Content-Length: 20000001\r\n`, 0)).toContain('413');
    // 20 MB announced, 1.2 MB sent: an unknown key is refused without the other 18.8 MB.
    expect(await partial('/batch', `${json}Content-Length: 20000000\r\n`, 1_200_000)).toContain('400');
  });

  it('names poison events in a 400 (nothing stored), and stores the rest when resent without them', async () => {
    const events = Array.from({ length: 2_000 }, (_, i) => ({
      event_type: 'Viewed',
      user_id: `user-${i}`,
      insert_id: `poison-test-${syncId}-${i}`,
      time: 1_790_000_000_000,
    }));
    const poison: Record<number, Record<string, unknown>> = {
      3: { time: 9e15 }, // beyond any date
      17: { user_id: 'user\u0000nul' }, // Postgres text cannot hold U+0000
      256: { event_properties: { ['k\u0000']: 1 } },
      999: { insert_id: 'i'.repeat(5_000) }, // longer than any id; would break the unique index
      1_500: { event_type: 'E'.repeat(300) }, // longer than an Intercom event name
    };
    for (const [index, fields] of Object.entries(poison)) Object.assign(events[Number(index)]!, fields);
    const send = (list: unknown[]) =>
      fetch(`${h.apiUrl}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: ingestKey, events: list }),
      });
    const before = await outboxRows(h, syncId);
    const refused = await send(events);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as Record<string, any>;
    expect(body.code).toBe(400);
    expect(body.events_with_invalid_fields).toEqual({
      time: [3],
      user_id: [17],
      event_properties: [256],
      insert_id: [999],
      event_type: [1_500],
    });
    expect(await outboxRows(h, syncId)).toBe(before);
    // What the SDK does next: drop the listed events, resend the rest.
    const rest = events.filter((_, i) => !(i in poison));
    expect((await send(rest)).status).toBe(200);
    expect(await outboxRows(h, syncId)).toBe(before + 1_995);
  });

  it('stores valid ids that are long in bytes (indexed by hash), and refuses poison on the other endpoints', async () => {
    const longId = '€'.repeat(1_024); // 1,024 characters (Amplitude's limit), 3 kB: more than a btree entry holds
    const before = await outboxRows(h, syncId);
    const upload = await fetch(`${h.apiUrl}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: ingestKey,
        events: [{ event_type: 'Long', user_id: longId, insert_id: longId }],
      }),
    });
    expect(upload.status, await upload.clone().text()).toBe(200);
    expect(await outboxRows(h, syncId)).toBe(before + 1);

    const streamed = await fetch(`${h.apiUrl}/amplitude/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'e', user_id: 'user-1', event_time: 1e300 }),
    });
    expect(streamed.status).toBe(400);
    const identify = await fetch(`${h.apiUrl}/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: ingestKey,
        identification: JSON.stringify({ user_id: 'user-1', user_properties: { $set: { a: 'x\u0000' } } }),
      }).toString(),
    });
    expect(identify.status).toBe(400);
    expect(await outboxRows(h, syncId)).toBe(before + 1);
  });

  it('finds the rows Postgres refuses for their content without storing any (the safety net behind the checks)', async () => {
    const row = (userKey: string, insertId: string) => ({
      connectionId: syncId,
      insertId,
      kind: 'event' as const,
      payload: { event_type: 'e' },
      userKey,
      eventTime: new Date(),
    });
    const before = await outboxRows(h, syncId);
    const refused = await findUnstorableRows(h.database.db, [
      row('user:fine', 'net-1'),
      row('user:nul\u0000', 'net-2'),
      row('user:fine-too', 'x'.repeat(10_000) + randomBytes(2_000).toString('hex')),
    ]);
    expect(refused).toEqual([1, 2]);
    expect(await outboxRows(h, syncId)).toBe(before);
  });

  it('answers a signed but unstorable notification 400 (not a 503 Intercom would retry), and stores long keys', async () => {
    const before = await inboxRows(h, sourceId);
    const nul = notificationBody(appId, { type: 'contact', id: 'c\u0000nul', role: 'user' });
    const answer = await post('/intercom/webhooks', nul, signed(nul));
    expect(answer.status).toBe(400);
    expect(await inboxRows(h, sourceId)).toBe(before);
    // A data event keyed by name and external id, both long: the dedupe key is stored as its hash.
    const item = itemForTopic('event.created', { appId, contact: { externalId: '𝔘'.repeat(2_000) } }) as Record<
      string,
      unknown
    >;
    const long = notificationBody(appId, { ...item, id: undefined, event_name: 'n'.repeat(2_000) }, 'event.created');
    const stored = await post('/intercom/webhooks', long, signed(long));
    expect(stored.status, await stored.clone().text()).toBe(200);
    expect(await inboxRows(h, sourceId)).toBe(before + 1);
  });

  it('does not store a replay of a notification older than the dedupe window, and counts it as stale', async () => {
    const before = await inboxRows(h, sourceId);
    const item = itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('old') } }) as Record<
      string,
      unknown
    >;
    const old = notificationBody(appId, item, 'contact.user.created', 15 * 86_400); // RETENTION_DAYS is 14
    const answer = await post('/intercom/webhooks', old, signed(old));
    expect(answer.status).toBe(200);
    expect(await inboxRows(h, sourceId)).toBe(before);
    const metrics = await (await fetch(`${h.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/intercom_webhooks_total\{outcome="stale"\} 1/);
    const fresh = notificationBody(appId, item, 'contact.user.created', 60);
    expect((await post('/intercom/webhooks', fresh, signed(fresh))).status).toBe(200);
    expect(await inboxRows(h, sourceId)).toBe(before + 1);
  });
});

describe('rate limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      noInProcessWorker: true,
      env: { RATE_LIMIT_PER_IP: '5', RATE_LIMIT_PER_INGEST_KEY: '3', METRICS_TOKEN: 'metrics-token-0123456789' },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function burst(count: number, send: () => Promise<Response>) {
    const answers = await Promise.all(Array.from({ length: count }, send));
    return Promise.all(answers.map(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })));
  }

  it("answers ingestion over its per-IP budget with Amplitude's 429, and never 429s Intercom", async () => {
    const upload = () =>
      fetch(`${h.apiUrl}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: 'nope', events: [{ event_type: 'e', user_id: 'user-1' }] }),
      });
    const answers = await burst(12, upload);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(limited[0]!.body)).toMatchObject({
      code: 429,
      error: 'Too many requests for some devices and users',
    });
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The admin API and the other public routes share the per-IP budget, with a plain JSON 429.
    const admin = await burst(12, () =>
      fetch(`${h.apiUrl}/api/connections`, { headers: { authorization: 'Bearer x' } }),
    );
    expect(admin.some((a) => a.status === 429)).toBe(true);
    // Intercom's webhooks: no per-IP budget (a 429 would throttle every workspace); unsigned is 401.
    const webhooks = await burst(30, () => fetch(`${h.apiUrl}/intercom/webhooks`, { method: 'POST', body: '{}' }));
    expect(new Set(webhooks.map((a) => a.status))).toEqual(new Set([401]));
  });

  it('never limits probes, and a flood of them reads Temporal and Postgres about once a second', async () => {
    const systemInfo = vi.spyOn(h.client.workflowService, 'getSystemInfo');
    const started = Date.now();
    const answers = await burst(200, () => fetch(`${h.apiUrl}/readyz`));
    const more = await burst(50, () => fetch(`${h.apiUrl}/readyz`));
    const seconds = (Date.now() - started) / 1000;
    // Past the per-IP budget of 5/s, yet every probe answered: a crowd behind one address cannot make us unready.
    expect([...answers, ...more].map((a) => a.status)).toEqual(Array(250).fill(200));
    expect(JSON.parse(answers[0]!.body)).toEqual({ ok: true, checks: { database: 'ok', temporal: 'ok' } });
    expect(systemInfo.mock.calls.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    systemInfo.mockRestore();
  });

  it('with METRICS_TOKEN, /metrics answers only its bearer', async () => {
    expect((await fetch(`${h.apiUrl}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${h.apiUrl}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^# HELP connector_connections/m);
  });

  it('limits each ingest key on its own', async () => {
    await new Promise((r) => setTimeout(r, 1_100)); // a fresh per-IP window
    const { ingestKey } = await createSync(h);
    await new Promise((r) => setTimeout(r, 1_100));
    const answers = await burst(5, () =>
      fetch(`${h.apiUrl}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: ingestKey, events: [{ event_type: 'e', user_id: 'user-12345' }] }),
      }),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429).map((a) => JSON.parse(a.body).code)).toEqual([429, 429]);
  });
});

describe('outages answer fast', () => {
  let h: Harness;
  let postgres: TcpProxy;
  let database: TestDatabase;
  beforeAll(async () => {
    // The stack reaches its own database only through a proxy the test can make hang.
    database = await createTestDatabase();
    const direct = new URL(database.url);
    postgres = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct);
    viaProxy.port = String(postgres.port);
    h = await startHarness({
      env: {
        DATABASE_URL: viaProxy.toString(),
        WEBHOOK_QUEUE_LIMIT: '3',
        INGEST_STORE_TIMEOUT: '1500ms',
        RATE_LIMIT_PER_IP: '0',
      },
    });
  });
  afterAll(async () => {
    postgres?.resume();
    await h?.stop();
    await postgres?.close();
    await database?.drop();
  });

  it("answers 503 within Intercom's 5 s while Postgres hangs, at once past the queue bound, and in Amplitude's format", async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Hanging' });
    const { connectionId } = await onboardSource(h, { projectId: uniqueId('hang'), appId, identityMapping: 'user_id' });
    postgres.hang();
    try {
      const deliveries = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
            appId,
            topic: 'contact.user.created',
            item: itemForTopic('contact.user.created', { appId, contact: { id: `hang-${i}` } }),
          }),
        ),
      );
      for (const d of deliveries) {
        expect(d.status).toBe(503);
        expect(d.durationMs).toBeLessThan(5_000);
      }
      // The writer holds at most 3 waiting: the others were refused at once, not after the deadline.
      expect(deliveries.filter((d) => d.durationMs < 1_000).length).toBeGreaterThanOrEqual(3);

      const started = Date.now();
      const refused = await fetch(`${h.apiUrl}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: 'a-key-never-cached', events: [{ event_type: 'e', user_id: 'user-1' }] }),
      });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: 503 });
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      postgres.resume();
    }
    // Back (once the api's connections to it recover): Intercom's retry is stored.
    await eventually(async () => expect((await fetch(`${h.apiUrl}/readyz`)).status).toBe(200), { timeoutMs: 40_000 });
    const retried = await h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, {
      appId,
      topic: 'contact.user.created',
      item: itemForTopic('contact.user.created', { appId, contact: { id: 'hang-0' } }),
    });
    expect(retried.status).toBe(200);
    await eventually(async () => expect(await inboxRows(h, connectionId)).toBeGreaterThanOrEqual(1));
  });
  it('answers an ingest of a known key 503 at INGEST_STORE_TIMEOUT while Postgres hangs, and stores the retry once', async () => {
    const sync = await createSync(h);
    const event = { event_type: 'During the outage', user_id: 'user-1', insert_id: uniqueId('outage') };
    // A first upload while Postgres answers: the api knows the key from now on, so only the store can hang.
    expect((await ingest(h, sync.ingestKey, [{ ...event, insert_id: uniqueId('before') }])).status).toBe(200);
    postgres.hang();
    try {
      const started = Date.now();
      const answer = await ingest(h, sync.ingestKey, [event]);
      const tookMs = Date.now() - started;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 503 });
      expect(tookMs).toBeGreaterThanOrEqual(1_400);
      expect(tookMs).toBeLessThan(4_000);
    } finally {
      postgres.resume();
    }
    await eventually(async () => expect((await fetch(`${h.apiUrl}/readyz`)).status).toBe(200), { timeoutMs: 40_000 });
    // The SDK's retry is stored; had the hung write committed after all, the retry would not double it.
    await eventually(async () => expect((await ingest(h, sync.ingestKey, [event])).status).toBe(200), {
      timeoutMs: 20_000,
    });
    const [row] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${sync.connectionId}
          AND insert_id = ${event.insert_id}`,
    );
    expect(row!.n).toBe(1);
  });
});

describe('Temporal down at api start', () => {
  let h: Harness;
  let api: ServiceProcess | undefined;
  let temporal: TcpProxy | undefined;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await api?.stop();
    await temporal?.close();
    await h?.stop();
  });

  it('starts, acknowledges and stores a signed webhook, and the event arrives once Temporal is reachable', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'No Temporal' });
    const { connectionId } = await onboardSource(h, {
      projectId: uniqueId('notemporal'),
      appId,
      identityMapping: 'user_id',
    });
    const [host, port] = h.env.TEMPORAL_ADDRESS!.split(':');
    // The api's only way to Temporal: a port where nothing listens yet.
    temporal = await TcpProxy.start({ host: host!, port: Number(port) }, { port: await freePort(), listening: false });
    const apiPort = await freePort();
    api = new ServiceProcess('api', {
      ...h.rawEnv,
      NODE_ENV: 'production',
      PORT: String(apiPort),
      TEMPORAL_ADDRESS: temporal.address,
      INTERCOM_CLIENT_ID: 'sim',
    });
    await api.start();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const delivered = h.amplitude.events.length;
    const delivery = await h.intercom.deliverWebhook(`${apiUrl}/intercom/webhooks`, {
      appId,
      topic: 'contact.user.created',
      item: itemForTopic('contact.user.created', { appId, contact: { id: uniqueId('c'), externalId: 'user-77' } }),
    });
    expect(delivery.status).toBe(200);
    expect(await inboxRows(h, connectionId)).toBe(1);
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(503); // honest about Temporal

    await temporal.open();
    await eventually(() => expect(h.amplitude.events.length).toBe(delivered + 1), { timeoutMs: 60_000 });
  });
});
