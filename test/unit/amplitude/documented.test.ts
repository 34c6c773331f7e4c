import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ours from '../../../src/amplitude/protocol';
import { classifyUploadResponse } from '../../../src/amplitude/client/classify-response';
import { DOCUMENTED } from '../../../testkit/simulators/amplitude';
import { readUpload } from '../../../testkit/simulators/amplitude/upload';

/**
 * Our reading of Amplitude (src/amplitude/protocol, our ingest endpoints; src/amplitude/client, our sender)
 * against what Amplitude documents (testkit/fixtures/amplitude/documented.json) and against the simulator,
 * which reads the same documentation with code of its own. Where the two readings disagree, one of them
 * is wrong, and the property below finds where.
 */
const R = DOCUMENTED.responses;
const keys = (body: object) => Object.keys(body).sort();

describe('our ingest protocol answers what Amplitude documents', () => {
  it('uses the documented limits, refused ids and reserved event types', () => {
    const L = DOCUMENTED.limits;
    expect(ours.MAX_EVENTS_PER_REQUEST).toBe(L.maxEventsPerRequest.value);
    expect(ours.HTTP_V2_MAX_BODY_BYTES).toBe(L.httpapiMaxBodyBytes.value);
    expect(ours.BATCH_MAX_BODY_BYTES).toBe(L.batchMaxBodyBytes.value);
    expect(ours.MAX_STRING_LENGTH).toBe(L.maxStringLength.value);
    expect(ours.MAX_OBJECT_DEPTH).toBe(L.maxObjectDepth.value);
    expect(ours.DEFAULT_MIN_ID_LENGTH).toBe(L.defaultMinIdLength.value);
    expect(ours.HTTP_V2_EPS_THRESHOLD).toBe(L.httpapiEpsThreshold.value);
    expect(ours.BATCH_EPS_THRESHOLD).toBe(L.batchEpsThreshold.value);
    expect(ours.BATCH_DAILY_QUOTA).toBe(L.batchDailyQuota.value);
    expect(ours.DEDUPE_WINDOW_MS).toBe(L.dedupeWindowMs.value);
    expect([...ours.INVALID_ID_VALUES].sort()).toEqual([...DOCUMENTED.invalidIds.values].sort());
    expect([...ours.RESERVED_EVENT_TYPES].sort()).toEqual([...DOCUMENTED.reservedEventTypes.values].sort());
  });

  it('answers the documented fixed bodies word for word', () => {
    expect(ours.invalidRequestPathBody()).toEqual(R.invalidRequestPath.body);
    expect(ours.missingBodyBody()).toEqual(R.missingBody.body);
    expect(ours.invalidJsonBody()).toEqual(R.invalidJson.body);
    expect(ours.missingFieldBody('api_key')).toEqual(R.missingApiKey.body);
    expect(ours.missingFieldBody('events')).toEqual(R.missingEvents.body);
    expect(ours.invalidEventJsonBody()).toEqual(R.invalidEventJson.body);
    expect(ours.invalidApiKeyBody()).toEqual(R.invalidApiKey.body);
    expect(ours.forbiddenBody()).toEqual(R.forbidden.body);
    expect(ours.tooLargeBody()).toEqual(R.tooLarge.body);
    expect(ours.missingEventBody()).toEqual(R.missingEvent.body);
    expect(ours.IDENTIFY_SUCCESS_TEXT).toBe(R.identifySuccess.text);
  });

  it('answers the documented variable bodies with the documented fields', () => {
    expect(ours.successBody(2, 120, 1_700_000_000_000)).toEqual(R.success.body);
    const issues = { invalidFields: { time: [3] }, missingFields: { event_type: [3] }, invalidIdLengths: {} };
    expect(ours.invalidEventsBody(issues)).toEqual(R.invalidEvents.body);
    const idLengths = { invalidFields: {}, missingFields: {}, invalidIdLengths: { user_id: [0] } };
    expect(ours.invalidEventsBody(idLengths)).toEqual(R.invalidIdLength.body);
    expect(ours.silencedBody({ silencedDevices: ['device-1'], silencedEvents: [1], epsThreshold: 30 })).toEqual(
      R.silenced.body,
    );
    const throttled = {
      epsThreshold: 30,
      throttledUsers: { 'user-1': 31 },
      throttledDevices: {},
      throttledEvents: [1],
    };
    expect(ours.throttledBody(throttled)).toEqual(R.throttled.body);
    expect(
      keys(
        ours.throttledBody({
          ...throttled,
          exceededDailyQuotaUsers: { 'user-1': 500_000 },
          exceededDailyQuotaDevices: {},
        }),
      ),
    ).toEqual(keys(R.throttledBatch.body));
  });
});

describe('our sender reads the documented answers', () => {
  const sent = (n: number) => Array.from({ length: n }, (_, i) => ({ user_id: `user-${i + 1}` }));
  const classify = (response: { status: number; body: object }, n = 5) =>
    classifyUploadResponse(response.status, JSON.stringify(response.body), sent(n));

  it('acknowledges success; the fatal answers are fatal', () => {
    expect(classify(R.success)).toMatchObject({ kind: 'ok', eventsIngested: 2 });
    for (const response of [R.invalidApiKey, R.missingApiKey, R.forbidden]) {
      expect(classify(response).kind, JSON.stringify(response.body)).toBe('fatal');
    }
  });

  it('drops the events a 400 lists (invalid, id length, silenced) and resends the others', () => {
    expect(classify(R.invalidEvents)).toMatchObject({ kind: 'partial', retryIndexes: [0, 1, 2, 4] });
    expect(classify(R.invalidIdLength)).toMatchObject({ kind: 'partial', retryIndexes: [1, 2, 3, 4] });
    expect(classify(R.silenced)).toMatchObject({ kind: 'partial', retryIndexes: [0, 2, 3, 4] });
  });

  it('splits on 413, pauses throttled events on 429 and parks daily-quota ids', () => {
    expect(classify(R.tooLarge)).toMatchObject({ kind: 'too_large', canSplit: true });
    // The example names user-1 (the first event here) in throttled_users, and index 1 in throttled_events.
    expect(classify(R.throttled)).toMatchObject({
      kind: 'throttled',
      throttledIndexes: [0, 1],
      retryNowIndexes: [2, 3, 4],
    });
    expect(classify(R.throttledBatch)).toMatchObject({ kind: 'throttled', dailyQuotaIndexes: [0] });
  });

  it('retries every 5xx, flagging those Amplitude says may already be ingested', () => {
    for (const status of DOCUMENTED.serverErrors.mayHaveIngested.statuses) {
      const body = DOCUMENTED.serverErrors.bodies[String(status) as '500'];
      expect(classify({ status, body })).toEqual({ kind: 'retry', status, duplicateRisk: true });
    }
    for (const status of DOCUMENTED.serverErrors.notCommitted.statuses) {
      const body = DOCUMENTED.serverErrors.bodies[String(status) as '503'];
      expect(classify({ status, body })).toEqual({ kind: 'retry', status, duplicateRisk: false });
    }
  });
});

describe('our upload parser and the simulator read requests alike', () => {
  const id = fc.oneof(
    fc.constantFrom('user-00001', 'device-0001', 'abc', 'abcd', 'ab', 'null', 'Anonymous', '0', '-1', 'x'.repeat(1025)),
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.constant(null),
  );
  const anyValue = fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.integer({ min: -2, max: 2 ** 41 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  const fields = fc.constantFrom(
    'time',
    'session_id',
    'event_id',
    'price',
    'event_properties',
    'user_properties',
    'insert_id',
    'platform',
    'idfa',
    'plan',
    '$skip_user_properties_sync',
    'custom',
  );
  const event = fc
    .record(
      {
        event_type: fc.oneof(fc.constantFrom('Viewed', '', '[Amplitude] Start Session', '$identify'), anyValue),
        user_id: id,
        device_id: id,
        extra: fc.dictionary(fields, anyValue, { maxKeys: 3 }),
        longText: fc.boolean(),
      },
      { requiredKeys: ['extra', 'longText'] },
    )
    .map(({ extra, longText, ...rest }) => ({ ...rest, ...extra, ...(longText && { note: 'n'.repeat(1100) }) }));
  const body = fc.oneof(
    fc.record(
      {
        api_key: fc.oneof(fc.constant('key-1'), anyValue),
        events: fc.oneof({ weight: 6, arbitrary: fc.array(event, { maxLength: 4 }) }, anyValue),
        options: fc.oneof(fc.record({ min_id_length: fc.oneof(fc.integer({ min: -1, max: 6 }), anyValue) }), anyValue),
      },
      { requiredKeys: [] },
    ),
    anyValue,
  );

  it('same status, same body, same events kept', () => {
    fc.assert(
      fc.property(body, fc.constantFrom<'httpapi' | 'batch'>('httpapi', 'batch'), (json, endpoint) => {
        const raw = Buffer.from(JSON.stringify(json) ?? '');
        const mine = ours.parseUploadRequest(raw, { contentType: 'application/json' }, endpoint);
        const theirs = readUpload(raw, { contentType: 'application/json' }, endpoint, () => true);
        if (mine.ok) {
          expect(theirs.ok, JSON.stringify(theirs)).toBe(true);
          if (theirs.ok) expect(theirs.events).toEqual(mine.events);
        } else {
          expect(theirs.ok).toBe(false);
          if (!theirs.ok) expect(theirs.answer).toEqual({ status: mine.status, body: mine.body });
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
