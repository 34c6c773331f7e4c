import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyUploadResponse } from '../../../src/amplitude/client/classify-response';
import { API_KEY, startSimulator, T0, type Started } from './helpers';

/**
 * Reference §7: the official Node SDK (@amplitude/analytics-node) posts JSON with node:http, settles only
 * when the answer has a non-empty body, parses it and routes on `body.code` (not the HTTP status).
 * `sdkSend` mirrors its transport so these tests fail exactly where the SDK would misbehave.
 */
interface SdkAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

function sdkSend(serverUrl: string, payload: unknown): Promise<SdkAnswer | 'would-never-settle'> {
  const url = new URL(serverUrl);
  const requestPayload = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(requestPayload) },
      },
      (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (!res.complete || text.length === 0) return resolve('would-never-settle');
          resolve({ statusCode: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(requestPayload);
  });
}

/** What the SDK's event builder and context plugin put on an event. */
function sdkEvent(overrides: Record<string, unknown> = {}) {
  return {
    event_type: 'Button Clicked',
    user_id: 'sdk-user-1',
    device_id: randomUUID(),
    time: T0,
    insert_id: randomUUID(),
    event_id: 1,
    library: 'amplitude-node-ts/1.3.6',
    ingestion_metadata: { source_name: 'intercom-bridge', source_version: '1.0.0' },
    plan: { branch: 'main', source: 'node', version: '1' },
    ...overrides,
  };
}

function sdkPayload(events: Record<string, unknown>[], apiKey = API_KEY) {
  // min_id_length: undefined disappears in JSON, exactly as the SDK sends it by default.
  return {
    api_key: apiKey,
    events,
    options: { min_id_length: undefined },
    client_upload_time: new Date(T0).toISOString(),
  };
}

/** The SDK's Status routing (analytics-core BaseTransport.buildStatus). */
function sdkStatus(code: number): string {
  if (code >= 200 && code < 300) return 'Success';
  if (code === 429) return 'RateLimit';
  if (code === 413) return 'PayloadTooLarge';
  if (code === 408) return 'Timeout';
  if (code >= 400 && code < 500) return 'Invalid';
  return code >= 500 ? 'Failed' : 'Unknown';
}

describe('Amplitude simulator: official SDK expectations (reference §7)', () => {
  let s: Started;
  let httpapi: string;
  beforeEach(async () => {
    s = await startSimulator({ apiKeys: [API_KEY], epsThreshold: 1 });
    httpapi = `${s.url}/2/httpapi`;
  });
  afterEach(() => s.sim.close());

  async function answer(payload: unknown, url = httpapi): Promise<SdkAnswer> {
    const result = await sdkSend(url, payload);
    if (result === 'would-never-settle') throw new Error('empty body: the SDK would wait forever');
    expect(result.body.code).toBe(result.statusCode);
    return result;
  }

  it('accepts an SDK payload, with its extra keys, and answers a Success body', async () => {
    const identify = sdkEvent({ event_type: '$identify', user_properties: { $set: { a: 1 } } });
    const result = await answer(sdkPayload([sdkEvent(), identify]));
    expect(sdkStatus(result.body.code as number)).toBe('Success');
    expect(result.body).toMatchObject({ events_ingested: 2, server_upload_time: T0 });
    expect(s.sim.events[0]?.event).toMatchObject({
      library: 'amplitude-node-ts/1.3.6',
      ingestion_metadata: { source_name: 'intercom-bridge' },
    });
    expect(s.sim.identifies).toHaveLength(1);
  });

  it('gives every non-2xx outcome a non-empty JSON body whose code is the status', async () => {
    const outcomes: Record<string, number> = {};
    const note = (result: SdkAnswer) => (outcomes[sdkStatus(result.body.code as number)] = result.statusCode);

    note(await answer(sdkPayload([sdkEvent()], 'wrong-key')));
    note(await answer(sdkPayload(Array.from({ length: 2001 }, () => sdkEvent()))));
    for (const status of [500, 502, 503, 504, 403]) {
      s.sim.faults.failNext(1, status);
      const failed = await answer(sdkPayload([sdkEvent()]));
      expect(failed.statusCode).toBe(status);
    }
    s.sim.ingestThenFail(1, 504);
    expect((await answer(sdkPayload([sdkEvent()]))).statusCode).toBe(504);
    note(await answer({ api_key: API_KEY }, `${s.url}/no-such-path`));

    const burst = Array.from({ length: 31 }, () => sdkEvent({ user_id: 'sdk-hot-user' }));
    await answer(sdkPayload(burst));
    note(await answer(sdkPayload([sdkEvent({ user_id: 'sdk-hot-user' })])));
    expect(outcomes).toEqual({ Invalid: 400, PayloadTooLarge: 413, RateLimit: 429 });
  });

  it('fails the whole batch where the SDK does: missing_field or an error starting "Invalid API key"', async () => {
    const wrongKey = await answer(sdkPayload([sdkEvent()], 'wrong-key'));
    expect(String(wrongKey.body.error).startsWith('Invalid API key')).toBe(true);
    const missingKey = await answer({ events: [sdkEvent()] });
    expect(missingKey.body.missing_field).toBe('api_key');
  });

  it('names droppable events in the maps the SDK reads, so dropping them and resending succeeds', async () => {
    const events = [
      sdkEvent(),
      sdkEvent({ time: 'yesterday' }),
      sdkEvent({ user_id: 'abc', device_id: undefined }),
      sdkEvent(),
    ];
    const rejected = await answer(sdkPayload(events));
    expect(rejected.statusCode).toBe(400);
    const dropped = new Set(
      ['events_with_invalid_fields', 'events_with_missing_fields', 'events_with_invalid_id_lengths'].flatMap((map) =>
        Object.values((rejected.body[map] ?? {}) as Record<string, number[]>).flat(),
      ),
    );
    expect([...dropped].sort()).toEqual([1, 2]);

    // Our sender's classifier reads the same body the same way.
    const outcome = classifyUploadResponse(rejected.statusCode, JSON.stringify(rejected.body), events);
    expect(outcome).toMatchObject({ kind: 'partial', retryIndexes: [0, 3] });

    const resent = await answer(sdkPayload(events.filter((_, i) => !dropped.has(i))));
    expect(resent.body).toMatchObject({ code: 200, events_ingested: 2 });
    expect(s.sim.events).toHaveLength(2);
  });

  it('429 carries throttled_events indexes and user/device maps the SDK delays by', async () => {
    await answer(sdkPayload(Array.from({ length: 31 }, () => sdkEvent({ user_id: 'sdk-hot-user' }))));
    const mixed = [sdkEvent({ user_id: 'calm-user-1' }), sdkEvent({ user_id: 'sdk-hot-user' })];
    const throttled = await answer(sdkPayload(mixed));
    expect(throttled.body).toMatchObject({ code: 429, throttled_events: [1], throttled_users: { 'sdk-hot-user': 2 } });
    expect(Array.isArray(throttled.body.throttled_events)).toBe(true);
    expect(typeof throttled.body.throttled_devices).toBe('object');
  });
});
