import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  HTTP_V2_MAX_BODY_BYTES,
  MAX_STRING_LENGTH,
  parseUploadRequest,
  type UploadParseResult,
} from '../../../../src/amplitude/protocol';

const JSON_HEADERS = { contentType: 'application/json' };

function parse(body: unknown, endpoint: 'httpapi' | 'batch' = 'httpapi', headers = JSON_HEADERS): UploadParseResult {
  return parseUploadRequest(Buffer.from(JSON.stringify(body)), headers, endpoint);
}

function upload(...events: Record<string, unknown>[]) {
  return { api_key: 'key-1', events };
}

const valid = { event_type: 'Signed Up', user_id: 'user-12345' };

describe('parseUploadRequest: request level', () => {
  it('accepts a valid request and reports the decoded payload size', () => {
    const body = upload(valid, { ...valid, device_id: 'device-1' });
    const result = parse(body);
    expect(result).toMatchObject({ ok: true, apiKey: 'key-1', options: { min_id_length: 5 } });
    if (!result.ok) throw new Error('rejected');
    expect(result.events).toEqual(body.events);
    expect(result.payloadSizeBytes).toBe(Buffer.byteLength(JSON.stringify(body)));
  });

  it('answers an empty body with Missing request body', () => {
    expect(parseUploadRequest(Buffer.alloc(0), JSON_HEADERS, 'httpapi')).toEqual({
      ok: false,
      status: 400,
      body: { code: 400, error: 'Missing request body' },
    });
  });

  it('requires Content-Type application/json (parameters allowed)', () => {
    const raw = Buffer.from(JSON.stringify(upload(valid)));
    expect(parseUploadRequest(raw, { contentType: 'text/plain' }, 'httpapi')).toMatchObject({
      status: 400,
      body: { code: 400, error: 'Invalid JSON request body' },
    });
    expect(parseUploadRequest(raw, {}, 'httpapi')).toMatchObject({ status: 400 });
    expect(parseUploadRequest(raw, { contentType: 'Application/JSON; charset=utf-8' }, 'httpapi').ok).toBe(true);
  });

  it('answers malformed or non-object JSON with Invalid JSON request body', () => {
    for (const text of ['{"api_key":', '[1,2]', 'null', '"text"']) {
      expect(parseUploadRequest(Buffer.from(text), JSON_HEADERS, 'httpapi')).toEqual({
        ok: false,
        status: 400,
        body: { code: 400, error: 'Invalid JSON request body' },
      });
    }
  });

  it('names a missing api_key, then missing or empty events', () => {
    const missingKey = { code: 400, error: 'Request missing required field', missing_field: 'api_key' };
    expect(parse({ events: [valid] })).toMatchObject({ status: 400, body: missingKey });
    expect(parse({ api_key: '', events: [valid] })).toMatchObject({ status: 400, body: missingKey });
    const missingEvents = { code: 400, error: 'Request missing required field', missing_field: 'events' };
    expect(parse({ api_key: 'k' })).toMatchObject({ status: 400, body: missingEvents });
    expect(parse({ api_key: 'k', events: [] })).toMatchObject({ status: 400, body: missingEvents });
  });

  it('rejects an unknown key when a key check is given', () => {
    const raw = Buffer.from(JSON.stringify(upload(valid)));
    const result = parseUploadRequest(raw, JSON_HEADERS, 'httpapi', { isApiKeyValid: (k) => k === 'other' });
    expect(result).toEqual({ ok: false, status: 400, body: { code: 400, error: 'Invalid API key' } });
  });

  it('answers events that are not an array of objects with Invalid event JSON', () => {
    const body = { code: 400, error: 'Invalid event JSON' };
    expect(parse({ api_key: 'k', events: 'x' })).toMatchObject({ status: 400, body });
    expect(parse({ api_key: 'k', events: [valid, 'x'] })).toMatchObject({ status: 400, body });
  });

  it('answers more than 2000 events with 413, 2000 are fine', () => {
    const events = (n: number) => Array.from({ length: n }, () => valid);
    expect(parse({ api_key: 'k', events: events(2001) })).toEqual({
      ok: false,
      status: 413,
      body: { code: 413, error: 'Payload too large' },
    });
    expect(parse({ api_key: 'k', events: events(2000) }).ok).toBe(true);
  });

  it('answers a body of 1 MB or more with 413 on /2/httpapi but not on /batch', () => {
    const big = { ...valid, event_properties: { blob: 'x'.repeat(1000) } };
    const body = { api_key: 'k', events: Array.from({ length: 1000 }, () => big) };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(HTTP_V2_MAX_BODY_BYTES);
    expect(parse(body, 'httpapi')).toMatchObject({ status: 413, body: { code: 413, error: 'Payload too large' } });
    expect(parse(body, 'batch').ok).toBe(true);
  });

  it('decodes gzip and measures the limit after decompression', () => {
    const small = Buffer.from(JSON.stringify(upload(valid)));
    const accepted = parseUploadRequest(gzipSync(small), { ...JSON_HEADERS, contentEncoding: 'gzip' }, 'httpapi');
    expect(accepted).toMatchObject({ ok: true, payloadSizeBytes: small.length });

    const huge = { api_key: 'k', events: [{ ...valid, event_properties: { blob: 'a'.repeat(1_100_000) } }] };
    const compressed = gzipSync(Buffer.from(JSON.stringify(huge)));
    expect(compressed.length).toBeLessThan(20_000);
    expect(parseUploadRequest(compressed, { ...JSON_HEADERS, contentEncoding: 'gzip' }, 'httpapi')).toMatchObject({
      status: 413,
    });
  });

  it('answers a corrupt gzip body or an unknown encoding with Invalid JSON request body', () => {
    const raw = Buffer.from(JSON.stringify(upload(valid)));
    expect(parseUploadRequest(raw, { ...JSON_HEADERS, contentEncoding: 'gzip' }, 'httpapi')).toMatchObject({
      status: 400,
      body: { error: 'Invalid JSON request body' },
    });
    expect(parseUploadRequest(raw, { ...JSON_HEADERS, contentEncoding: 'br' }, 'httpapi')).toMatchObject({
      status: 400,
    });
  });
});

describe('parseUploadRequest: per event', () => {
  function rejection(...events: Record<string, unknown>[]) {
    const result = parse(upload(...events));
    if (result.ok) throw new Error('accepted');
    return result;
  }

  it('lists every bad event by field and fails the whole request', () => {
    const result = rejection(
      valid,
      { user_id: 'user-12345' },
      { ...valid, time: '2024-01-01T00:00:00Z' },
      { ...valid, event_type: '[Amplitude] Revenue' },
      { event_type: 'x' },
      { ...valid, time: 1.5 },
    );
    expect(result).toEqual({
      ok: false,
      status: 400,
      body: {
        code: 400,
        error: 'Invalid field values on some events',
        events_with_invalid_fields: { time: [2, 5], event_type: [3] },
        events_with_missing_fields: { event_type: [1], user_id: [4], device_id: [4] },
        events_with_invalid_id_lengths: {},
      },
    });
  });

  it('rejects Amplitude invalid ids case-insensitively, even when short', () => {
    for (const id of ['anonymous', 'NULL', 'n/a', '0', '-1', '00000000-0000-0000-0000-000000000000', 'lmy47d']) {
      expect(rejection({ event_type: 'e', user_id: id }).body.events_with_invalid_fields).toEqual({ user_id: [0] });
    }
    expect(rejection({ event_type: 'e', user_id: 'user-12345', device_id: 'undefined' }).body).toMatchObject({
      events_with_invalid_fields: { device_id: [0] },
    });
  });

  it('strips a too-short id silently when the other id remains', () => {
    const result = parse(upload({ event_type: 'e', user_id: 'abc', device_id: 'device-1' }));
    expect(result).toMatchObject({ ok: true, strippedIds: [{ index: 0, field: 'user_id' }] });
    if (!result.ok) throw new Error('rejected');
    expect(result.events[0]).toEqual({ event_type: 'e', device_id: 'device-1' });
  });

  it('answers 400 on id length when no id remains, and honours min_id_length', () => {
    expect(rejection({ event_type: 'e', user_id: 'abc' }).body).toEqual({
      code: 400,
      error: 'Invalid id length for user_id or device_id',
      events_with_invalid_fields: {},
      events_with_missing_fields: {},
      events_with_invalid_id_lengths: { user_id: [0] },
    });
    const result = parse({ ...upload({ event_type: 'e', user_id: 'abc' }), options: { min_id_length: 3 } });
    expect(result).toMatchObject({ ok: true, options: { min_id_length: 3 }, strippedIds: [] });
  });

  it('type-checks documented keys and rejects an all-zero IDFA', () => {
    const result = rejection({
      ...valid,
      session_id: 'abc',
      event_properties: ['not', 'an', 'object'],
      price: 'free',
      insert_id: 42,
      idfa: '00000000-0000-0000-0000-000000000000',
    });
    expect(result.body.events_with_invalid_fields).toEqual({
      session_id: [0],
      event_properties: [0],
      price: [0],
      insert_id: [0],
      idfa: [0],
    });
  });

  it('rejects properties nested deeper than 40 levels', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i += 1) deep = { nested: deep };
    expect(rejection({ ...valid, event_properties: deep }).body.events_with_invalid_fields).toEqual({
      event_properties: [0],
    });
  });

  it('rejects any key nested deeper than 40 levels, however deep, without walking it (no stack overflow)', () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    for (const levels of [41, 100_000]) {
      for (const field of ['event_properties', 'custom_key']) {
        const body = `{"api_key":"key-1","events":[{"event_type":"e","user_id":"user-12345","${field}":${deep(levels)}}]}`;
        const result = parseUploadRequest(Buffer.from(body), JSON_HEADERS, 'httpapi');
        expect(result).toMatchObject({ ok: false, status: 400 });
        if (result.ok) throw new Error('accepted');
        expect(result.body.events_with_invalid_fields).toEqual({ [field]: [0] });
      }
    }
  });

  it('truncates long string values but keeps unknown keys, $identify and session -1', () => {
    const long = 'y'.repeat(MAX_STRING_LENGTH + 10);
    const result = parse(
      upload({
        event_type: '$identify',
        user_id: 'user-12345',
        session_id: -1,
        library: 'amplitude-node-ts/1.0.0',
        custom_key: { a: long },
        event_properties: { note: long, list: [long] },
      }),
    );
    if (!result.ok) throw new Error('rejected');
    const [event] = result.events;
    expect(event).toMatchObject({ event_type: '$identify', session_id: -1, library: 'amplitude-node-ts/1.0.0' });
    expect((event!.event_properties!.note as string).length).toBe(MAX_STRING_LENGTH);
    expect(((event!.event_properties!.list as string[])[0] as string).length).toBe(MAX_STRING_LENGTH);
    expect(((event!.custom_key as { a: string }).a as string).length).toBe(MAX_STRING_LENGTH);
  });

  it('treats an overlong id as invalid rather than truncating it into another user', () => {
    expect(rejection({ event_type: 'e', user_id: 'u'.repeat(MAX_STRING_LENGTH + 1) }).body).toMatchObject({
      events_with_invalid_fields: { user_id: [0] },
    });
  });
});
