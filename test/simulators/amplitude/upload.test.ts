import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, event, postUpload, send, startSimulator, T0, upload, type Started } from './helpers';

describe('Amplitude simulator: upload contract (HTTP V2 and Batch)', () => {
  let s: Started;
  beforeEach(async () => {
    s = await startSimulator({ apiKeys: [API_KEY] });
  });
  afterEach(() => s.sim.close());

  it('200: answers the documented success body and stores the events with their project', async () => {
    const body = upload([event({ insert_id: 'a-1' }), event({ insert_id: 'a-2', device_id: 'device-1' })]);
    const answer = await postUpload(s.url, body);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      code: 200,
      events_ingested: 2,
      payload_size_bytes: Buffer.byteLength(JSON.stringify(body)),
      server_upload_time: T0,
    });
    expect(s.sim.events.map((e) => [e.apiKey, e.endpoint, e.event.insert_id])).toEqual([
      [API_KEY, 'httpapi', 'a-1'],
      [API_KEY, 'httpapi', 'a-2'],
    ]);
    expect(s.sim.statusCounts).toEqual({ 200: 1 });
    expect(s.sim.requests[0]).toMatchObject({ method: 'POST', path: '/2/httpapi', status: 200, body });
  });

  it('200 on /batch with the same request format', async () => {
    const answer = await postUpload(s.url, upload([event()]), { path: '/batch' });
    expect(answer.json).toMatchObject({ code: 200, events_ingested: 1 });
    expect(s.sim.events[0]?.endpoint).toBe('batch');
  });

  it('accepts gzip bodies and reports the decompressed size', async () => {
    const body = upload([event({ event_properties: { text: 'z'.repeat(5000) } })]);
    const answer = await postUpload(s.url, body, { gzip: true });
    expect(answer.json).toMatchObject({ code: 200, payload_size_bytes: Buffer.byteLength(JSON.stringify(body)) });
    expect(s.sim.events).toHaveLength(1);
  });

  it('400 Missing request body', async () => {
    const answer = await postUpload(s.url, '');
    expect([answer.status, answer.json]).toEqual([400, { code: 400, error: 'Missing request body' }]);
  });

  it('400 Invalid JSON request body, also for a wrong Content-Type', async () => {
    const broken = await postUpload(s.url, '{"api_key": "x", "events": [');
    expect([broken.status, broken.json]).toEqual([400, { code: 400, error: 'Invalid JSON request body' }]);
    const form = await postUpload(s.url, upload([event()]), { headers: { 'content-type': 'text/plain' } });
    expect([form.status, form.json]).toEqual([400, { code: 400, error: 'Invalid JSON request body' }]);
  });

  it('400 Request missing required field: api_key, then events', async () => {
    const noKey = await postUpload(s.url, { events: [event()] });
    expect(noKey.json).toEqual({ code: 400, error: 'Request missing required field', missing_field: 'api_key' });
    const noEvents = await postUpload(s.url, { api_key: API_KEY });
    expect(noEvents.json).toEqual({ code: 400, error: 'Request missing required field', missing_field: 'events' });
  });

  it('400 Invalid API key for a key outside the configured projects', async () => {
    const answer = await postUpload(s.url, { ...upload([event()]), api_key: 'someone-else' });
    expect([answer.status, answer.json]).toEqual([400, { code: 400, error: 'Invalid API key' }]);
  });

  it('400 Invalid event JSON when events are not objects', async () => {
    const answer = await postUpload(s.url, { api_key: API_KEY, events: ['not-an-event'] });
    expect([answer.status, answer.json]).toEqual([400, { code: 400, error: 'Invalid event JSON' }]);
  });

  it('400 Invalid field values lists the bad events and ingests nothing', async () => {
    const answer = await postUpload(
      s.url,
      upload([
        event(),
        event({ time: '2024-05-01T10:00:00Z' as unknown as number }),
        event({ event_type: undefined as unknown as string }),
        event({ user_id: 'anonymous' }),
        event({ event_type: '[Amplitude] Start Session' }),
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 400,
      error: 'Invalid field values on some events',
      events_with_invalid_fields: { time: [1], user_id: [3], event_type: [4] },
      events_with_missing_fields: { event_type: [2] },
      events_with_invalid_id_lengths: {},
    });
    expect(s.sim.events).toHaveLength(0);
  });

  it('400 Invalid id length when a too-short id leaves no id; a short id beside another is stripped', async () => {
    const rejected = await postUpload(s.url, upload([event({ user_id: 'abc' })]));
    expect(rejected.json).toEqual({
      code: 400,
      error: 'Invalid id length for user_id or device_id',
      events_with_invalid_fields: {},
      events_with_missing_fields: {},
      events_with_invalid_id_lengths: { user_id: [0] },
    });
    const stripped = await postUpload(s.url, upload([event({ user_id: 'abc', device_id: 'device-1' })]));
    expect(stripped.status).toBe(200);
    expect(s.sim.events[0]?.event.user_id).toBeUndefined();
    const allowed = await postUpload(s.url, upload([event({ user_id: 'abc' })], { options: { min_id_length: 3 } }));
    expect(allowed.status).toBe(200);
    expect(s.sim.events[1]?.event.user_id).toBe('abc');
  });

  it('400 Invalid request path for unknown paths and methods', async () => {
    for (const [method, path] of [
      ['POST', '/httpapi'],
      ['GET', '/2/httpapi'],
    ] as const) {
      const answer = await send(`${s.url}${path}`, { method });
      expect([answer.status, answer.json]).toEqual([400, { code: 400, error: 'Invalid request path' }]);
    }
  });

  it('413 Payload too large by event count (over 2000)', async () => {
    const events = Array.from({ length: 2001 }, (_, i) => event({ insert_id: `n-${i}` }));
    const answer = await postUpload(s.url, upload(events));
    expect([answer.status, answer.json]).toEqual([413, { code: 413, error: 'Payload too large' }]);
    expect(s.sim.events).toHaveLength(0);
  });

  it('413 Payload too large by size: 1 MB on /2/httpapi (even gzipped), 20 MB on /batch', async () => {
    const big = upload(Array.from({ length: 120 }, () => event({ event_properties: { blob: 'b'.repeat(9000) } })));
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(1_000_000);
    const plain = await postUpload(s.url, big);
    expect([plain.status, plain.json]).toEqual([413, { code: 413, error: 'Payload too large' }]);
    const gzipped = await postUpload(s.url, big, { gzip: true });
    expect(gzipped.status).toBe(413);
    const batch = await postUpload(s.url, big, { path: '/batch' });
    expect(batch.status).toBe(200);
    const huge = upload([event({ event_properties: { blob: 'h'.repeat(20_000_000) } })]);
    const hugeBatch = await postUpload(s.url, huge, { path: '/batch' });
    expect([hugeBatch.status, hugeBatch.json]).toEqual([413, { code: 413, error: 'Payload too large' }]);
  });
});
