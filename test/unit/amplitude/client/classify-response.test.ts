import { describe, expect, it } from 'vitest';
import {
  errorBodyFor,
  invalidApiKeyBody,
  invalidEventsBody,
  missingFieldBody,
  silencedBody,
  successBody,
  throttledBody,
  tooLargeBody,
} from '../../../../src/amplitude/protocol';
import {
  classifyUploadResponse,
  REQUEST_ENVELOPE_BYTES,
  splitForLimits,
} from '../../../../src/amplitude/client/classify-response';

const events = [
  { user_id: 'user-aaaaa', device_id: 'device-1' },
  { user_id: 'user-hot01' },
  { device_id: 'device-hot' },
  { user_id: 'user-quota' },
  { user_id: 'user-bbbbb' },
];

const classify = (status: number, body: unknown, list = events) =>
  classifyUploadResponse(status, typeof body === 'string' ? body : JSON.stringify(body), list);

describe('classifyUploadResponse', () => {
  it('acknowledges a 200 with the ingested count', () => {
    expect(classify(200, successBody(5, 100, 1))).toEqual({ kind: 'ok', eventsIngested: 5 });
  });

  it('turns a 400 with index maps into dead letters and a resend of the rest', () => {
    const body = invalidEventsBody({
      invalidFields: { time: [1], event_type: [1] },
      missingFields: { event_type: [3] },
      invalidIdLengths: { user_id: [4], device_id: [99] },
    });
    const outcome = classify(400, body);
    expect(outcome).toMatchObject({ kind: 'partial', retryIndexes: [0, 2], throttledIndexes: [] });
    if (outcome.kind !== 'partial') throw new Error(outcome.kind);
    expect([...outcome.invalid]).toEqual([
      [1, 'invalid_field:time,invalid_field:event_type'],
      [3, 'missing_field:event_type'],
      [4, 'invalid_id_length:user_id'],
    ]);
  });

  it('drops silenced events and delays the throttled ones of the silenced 400', () => {
    const silenced = silencedBody({ silencedDevices: ['device-1'], silencedEvents: [0], epsThreshold: 30 });
    const outcome = classify(400, { ...silenced, throttled_events: [2] });
    expect(outcome).toMatchObject({
      kind: 'partial',
      retryIndexes: [1, 3, 4],
      throttledIndexes: [2],
      retryAfterMs: 30_000,
    });
    if (outcome.kind !== 'partial') throw new Error(outcome.kind);
    expect(outcome.invalid.get(0)).toBe('silenced_device');
  });

  it('is fatal on a missing field, an invalid API key, a 400 naming no event, and a WAF 403', () => {
    expect(classify(400, missingFieldBody('api_key'))).toEqual({
      kind: 'fatal',
      status: 400,
      reason: 'missing_field:api_key',
    });
    expect(classify(400, { code: 400, error: 'Invalid API key: abc' })).toMatchObject({ reason: 'invalid_api_key' });
    expect(classify(400, invalidApiKeyBody())).toMatchObject({ kind: 'fatal', reason: 'invalid_api_key' });
    expect(classify(400, { code: 400, error: 'Invalid JSON request body' })).toMatchObject({
      kind: 'fatal',
      reason: 'Invalid JSON request body',
    });
    expect(classify(403, errorBodyFor(403))).toEqual({ kind: 'fatal', status: 403, reason: 'forbidden' });
    expect(classify(404, '<html>nope</html>')).toEqual({ kind: 'fatal', status: 404, reason: 'http_404' });
  });

  it('asks to split on 413 unless a single event is too large', () => {
    expect(classify(413, tooLargeBody())).toEqual({ kind: 'too_large', canSplit: true });
    expect(classify(413, tooLargeBody(), [events[0]!])).toEqual({ kind: 'too_large', canSplit: false });
  });

  it('maps a 429 back to indexes through throttled_events, users and devices, parking daily-quota ids', () => {
    const body = throttledBody({
      epsThreshold: 30,
      throttledUsers: { 'user-hot01': 41 },
      throttledDevices: { 'device-hot': 35 },
      throttledEvents: [1],
      exceededDailyQuotaUsers: { 'user-quota': 500_001 },
      exceededDailyQuotaDevices: {},
    });
    expect(classify(429, body)).toEqual({
      kind: 'throttled',
      throttledIndexes: [1, 2],
      dailyQuotaIndexes: [3],
      retryNowIndexes: [0, 4],
      retryAfterMs: 30_000,
      dailyQuotaRetryAfterMs: 3_600_000,
      epsThreshold: 30,
    });
  });

  it('throttles the whole request when a 429 names nothing', () => {
    for (const body of [errorBodyFor(429), 'Too Many Requests']) {
      expect(classify(429, body)).toMatchObject({ throttledIndexes: [0, 1, 2, 3, 4], retryNowIndexes: [] });
    }
  });

  it('retries server errors, flagging those that may already be ingested', () => {
    for (const status of [500, 502, 504, 408, 599]) {
      expect(classify(status, errorBodyFor(status))).toEqual({ kind: 'retry', status, duplicateRisk: true });
    }
    expect(classify(503, '')).toEqual({ kind: 'retry', status: 503, duplicateRisk: false });
  });
});

describe('splitForLimits', () => {
  const sized = (id: number, bytes: number) => ({ id, pad: 'x'.repeat(bytes) });

  it('keeps order and caps the event count', () => {
    const list = Array.from({ length: 4500 }, (_, id) => ({ id }));
    const batches = splitForLimits(list);
    expect(batches.map((b) => b.length)).toEqual([2000, 2000, 500]);
    expect(batches.flat()).toEqual(list);
    expect(splitForLimits(list, 1000).length).toBe(5);
  });

  it('keeps every request body under the byte limit, envelope included', () => {
    const list = Array.from({ length: 30 }, (_, id) => sized(id, 90_000));
    const batches = splitForLimits(list);
    for (const batch of batches) {
      const body = JSON.stringify({ api_key: 'k'.repeat(32), events: batch, options: { min_id_length: 5 } });
      expect(Buffer.byteLength(body)).toBeLessThan(1_000_000);
      expect(batch.length).toBeGreaterThan(0);
    }
    expect(batches.flat()).toEqual(list);
    expect(batches.length).toBe(3);
  });

  it('measures only the wire event when items carry more', () => {
    const items = Array.from({ length: 3 }, (_, id) => ({ ref: 'r'.repeat(600_000), event: { id } }));
    expect(splitForLimits(items).length).toBe(3);
    expect(splitForLimits(items, undefined, undefined, undefined, (item) => item.event)).toEqual([items]);
  });

  it('gives an event too large on its own a batch of its own', () => {
    const list = [sized(0, 10), sized(1, 2_000_000), sized(2, 10)];
    expect(splitForLimits(list).map((b) => b.map((e) => e.id))).toEqual([[0], [1], [2]]);
    expect(splitForLimits([], 10, 100, REQUEST_ENVELOPE_BYTES)).toEqual([]);
  });
});
