import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_COHORT_BODY_BYTES,
  MAX_COHORT_USERS_PER_REQUEST,
  parseCohortPayload,
  parseCohortWebhookBody,
  type CohortPayloadResult,
} from '../../../src/cohort/webhook-payload';

/** The Cohort Webhooks destination's default payload, as Amplitude documents it. */
const documented = {
  cohort_name: 'My Test Cohort',
  cohort_id: '7khm89cz',
  in_cohort: true,
  computed_time: '1692206763',
  message_id: '9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0',
  users: [
    { user_id: 'user_one@example.com' },
    { user_id: 'user_two@example.com' },
    { user_id: 'user_three@example.com' },
  ],
};

function ok(result: CohortPayloadResult) {
  if (!result.ok) throw new Error(`expected a parsed payload, got: ${result.error}`);
  return result;
}

function error(result: CohortPayloadResult): string {
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

describe('Cohort Webhooks default payload', () => {
  it('parses the documented example into one change per user', () => {
    const result = ok(parseCohortWebhookBody(JSON.stringify(documented)));
    expect(result.format).toBe('cohort_webhook');
    expect(result.skipped).toEqual([]);
    expect(result.changes).toEqual(
      ['user_one@example.com', 'user_two@example.com', 'user_three@example.com'].map((userId) => ({
        cohortId: '7khm89cz',
        cohortName: 'My Test Cohort',
        userId,
        inCohort: true,
        messageId: '9baaa88f-9d46-4ee5-a946-be0c6aea0046::enter::0',
        computedTime: 1692206763,
      })),
    );
  });

  it('reads a removal batch, and computed_time given as a number', () => {
    const result = ok(parseCohortPayload({ ...documented, in_cohort: false, computed_time: 1692206763 }));
    expect(result.changes.map((c) => [c.inCohort, c.computedTime])).toEqual([
      [false, 1692206763],
      [false, 1692206763],
      [false, 1692206763],
    ]);
  });

  it('keeps the user properties a sync carries along, as null-prototype objects whose keys stay data', () => {
    const body =
      '{"cohort_name":"c","cohort_id":"a1","in_cohort":true,"computed_time":"1","message_id":"m",' +
      '"users":[{"user_id":"u1","user_properties":{"email":"ann@acme.io","__proto__":{"admin":true},"plan":{"tier":"pro"}}}]}';
    const [change] = ok(parseCohortWebhookBody(body)).changes;
    const properties = change!.userProperties!;
    expect(Object.getPrototypeOf(properties)).toBeNull();
    expect(Object.getPrototypeOf(properties.plan)).toBeNull();
    expect(Object.keys(properties)).toEqual(['email', '__proto__', 'plan']);
    expect(properties.__proto__).toEqual({ admin: true });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(JSON.parse(JSON.stringify(properties))).toEqual(JSON.parse(body).users[0].user_properties);
  });

  it('collapses a user listed twice and skips entries that name nobody, keeping the rest', () => {
    const result = ok(
      parseCohortPayload({
        ...documented,
        users: [{ user_id: 'u1' }, { user_id: '  ' }, {}, { user_id: null }, { user_id: 'u1' }, { user_id: 'u2' }],
      }),
    );
    expect(result.changes.map((c) => c.userId)).toEqual(['u1', 'u2']);
    expect(result.skipped).toEqual([
      { path: 'users[1]', reason: 'missing_user_id' },
      { path: 'users[2]', reason: 'missing_user_id' },
      { path: 'users[3]', reason: 'missing_user_id' },
    ]);
  });

  it('accepts an empty batch', () => {
    expect(ok(parseCohortPayload({ ...documented, users: [] })).changes).toEqual([]);
  });

  it.each([
    [{ cohort_id: undefined }, 'cohort_id: is required'],
    [{ cohort_id: 42 }, 'cohort_id: expected a string, got number'],
    [{ cohort_id: ' ' }, 'cohort_id: must not be empty'],
    [{ cohort_id: 'x'.repeat(129) }, 'cohort_id: is longer than 128 characters'],
    [{ cohort_name: null }, 'cohort_name: is required'],
    [{ cohort_name: 'n'.repeat(1025) }, 'cohort_name: is longer than 1024 characters'],
    [{ message_id: undefined }, 'message_id: is required'],
    [{ message_id: 'm'.repeat(257) }, 'message_id: is longer than 256 characters'],
    [{ in_cohort: 'true' }, 'in_cohort: expected true or false, got string'],
    [{ in_cohort: undefined }, 'in_cohort: expected true or false, got undefined'],
    [{ computed_time: undefined }, 'computed_time: is required'],
    [{ computed_time: '2023-08-16T17:26:03Z' }, 'computed_time: expected Unix seconds'],
    [{ computed_time: -1 }, 'computed_time: expected Unix seconds'],
    [{ computed_time: 1.5 }, 'computed_time: expected Unix seconds'],
    [{ computed_time: 1692206763000 }, 'computed_time: looks like milliseconds'],
    [{ users: undefined }, 'users: is required'],
    [{ users: { user_id: 'u1' } }, 'users: expected an array, got object'],
    [{ users: ['u1'] }, 'users[0]: expected an object, got string'],
    [{ users: [{ user_id: 7 }] }, 'users[0].user_id: expected a string, got number'],
    [{ users: [{ user_id: 'u'.repeat(1025) }] }, 'users[0].user_id: is longer than 1024 characters'],
    [{ users: [{ user_id: 'u1', user_properties: [] }] }, 'users[0].user_properties: expected an object, got array'],
  ])('refuses %j with a precise error', (change, message) => {
    expect(error(parseCohortPayload({ ...documented, ...change }))).toContain(message);
  });

  it('refuses more users than a request may carry, and more properties than a sync selects', () => {
    const users = Array.from({ length: MAX_COHORT_USERS_PER_REQUEST + 1 }, (_, i) => ({ user_id: `u${i}` }));
    expect(error(parseCohortPayload({ ...documented, users }))).toContain(`at most ${MAX_COHORT_USERS_PER_REQUEST}`);
    expect(ok(parseCohortPayload({ ...documented, users: users.slice(1) })).changes).toHaveLength(
      MAX_COHORT_USERS_PER_REQUEST,
    );

    const properties = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i]));
    expect(error(parseCohortPayload({ ...documented, users: [{ user_id: 'u1', user_properties: properties }] }))).toBe(
      'users[0].user_properties: has 51 properties; a cohort sync carries at most 50',
    );
  });
});

describe('property-based payloads (Amplitude partner contract)', () => {
  const identify = (traits: Record<string, unknown>, userId: unknown = 'user123') => ({
    type: 'identify',
    traits,
    userId,
    context: { integration: { name: 'Amplitude Cohort Sync', version: '1.0.0' } },
  });

  it('parses a single update: one change from the "[Amplitude] <name>: <id>" trait, with no message id or time', () => {
    const result = ok(parseCohortPayload(identify({ '[Amplitude] Power users: 7khm89cz': true, plan: 'pro' })));
    expect(result.format).toBe('property_identify');
    expect(result.changes).toEqual([
      {
        cohortId: '7khm89cz',
        cohortName: 'Power users',
        userId: 'user123',
        inCohort: true,
        messageId: null,
        computedTime: null,
      },
    ]);
  });

  it('parses a batch update; a cohort name may contain ": "', () => {
    const result = ok(
      parseCohortPayload({
        batch: [
          identify({ '[Amplitude] EU: churn risk: gs72ns': false }, 'u1'),
          identify({ '[Amplitude] EU: churn risk: gs72ns': false }, 'u1'),
          identify({ '[Amplitude] EU: churn risk: gs72ns': true }, 'u2'),
          identify({ '[Amplitude] EU: churn risk: gs72ns': true }, ''),
        ],
      }),
    );
    expect(result.format).toBe('property_batch');
    expect(result.changes.map((c) => [c.cohortName, c.cohortId, c.userId, c.inCohort])).toEqual([
      ['EU: churn risk', 'gs72ns', 'u1', false],
      ['EU: churn risk', 'gs72ns', 'u2', true],
    ]);
    expect(result.skipped).toEqual([{ path: 'batch[3]', reason: 'missing_user_id' }]);
  });

  it.each([
    [{ ...identify({ '[Amplitude] c: 1': true }), type: 'track' }, 'type: expected "identify", got "track"'],
    [identify({ '[Amplitude] c: 1': 'true' }), 'traits.[Amplitude] c: 1: expected true or false, got string'],
    [identify({ 'cohort name:123': true }), 'traits: has no "[Amplitude] <cohort name>: <cohort id>" trait'],
    [identify({ '[Amplitude]  : 1': true }), 'names no cohort'],
    [identify({ '[Amplitude] c: 1': true }, 42), 'userId: expected a string, got number'],
    [{ type: 'identify', userId: 'u1' }, 'traits: expected an object, got undefined'],
    [{ batch: 'u1' }, 'batch: expected an array, got string'],
    [{ batch: [null] }, 'batch[0]: expected an object, got null'],
  ])('refuses %j', (body, message) => {
    expect(error(parseCohortPayload(body))).toContain(message);
  });
});

describe('hostile input', () => {
  it('refuses bodies that are empty, too large, not JSON, or not one of the shapes', () => {
    expect(error(parseCohortWebhookBody(''))).toBe('body is empty');
    expect(error(parseCohortWebhookBody(Buffer.alloc(MAX_COHORT_BODY_BYTES + 1, 0x20)))).toContain('larger than');
    expect(error(parseCohortWebhookBody('{"cohort_id":'))).toBe('body is not valid JSON');
    expect(error(parseCohortWebhookBody('[{"user_id":"u1","amplitude_c_1":true}]'))).toContain(
      'expected a JSON object',
    );
    expect(error(parseCohortWebhookBody('{"hello":"world"}'))).toContain('expected a Cohort Webhooks payload');
    expect(error(parseCohortWebhookBody('"text"'))).toContain('expected a JSON object');
  });

  it('refuses NUL characters and unpaired surrogates anywhere, keys included', () => {
    const cases: [string, string][] = [
      ['{"cohort_id":"a\\u0000b"}', 'cohort_id: string contains a NUL'],
      ['{"users":[{"user_id":"u\\u0000"}]}', 'users[0].user_id: string contains a NUL'],
      [
        '{"users":[{"user_id":"u\\ud800"}]}',
        'users[0].user_id: string contains a NUL character or an unpaired surrogate',
      ],
      ['{"users":[{"user_id":"u\\udc00x"}]}', 'unpaired surrogate'],
      ['{"users":[{"user_id":"u1","user_properties":{"a\\u0000":1}}]}', 'key contains a NUL'],
      ['{"type":"identify","userId":"u1","traits":{"[Amplitude] c\\u0000: 1":true}}', 'key contains a NUL'],
    ];
    for (const [body, message] of cases) {
      const result = error(parseCohortWebhookBody(body));
      expect(result).toContain(message);
      expect(result).not.toContain('\u0000');
    }
    // A surrogate pair is a character like any other.
    expect(ok(parseCohortPayload({ ...documented, users: [{ user_id: 'ann 😀' }] })).changes[0]!.userId).toBe('ann 😀');
  });

  it('refuses nesting deeper than Amplitude allows, and quotes long keys cut short', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 50; i++) deep = { nested: deep };
    expect(error(parseCohortPayload({ ...documented, users: [{ user_id: 'u1', user_properties: deep }] }))).toContain(
      'nested deeper than 44 levels',
    );
    expect(error(parseCohortWebhookBody('['.repeat(200_000) + ']'.repeat(200_000)))).toMatch(
      /nested deeper|not valid JSON/,
    );

    const longKey = `[Amplitude] ${'n'.repeat(5000)}: 1`;
    const message = error(parseCohortPayload({ type: 'identify', userId: 'u1', traits: { [longKey]: 'yes' } }));
    expect(message.length).toBeLessThan(300);
  });

  it('never throws, whatever JSON it is given', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const nearlyValid = fc.record(
      {
        cohort_id: anyJson,
        cohort_name: anyJson,
        in_cohort: anyJson,
        computed_time: anyJson,
        message_id: anyJson,
        users: fc.oneof(anyJson, fc.array(fc.record({ user_id: anyJson, user_properties: anyJson }), { maxLength: 5 })),
        type: anyJson,
        userId: anyJson,
        traits: fc.oneof(anyJson, fc.dictionary(fc.string({ unit: 'binary' }), anyJson)),
        batch: anyJson,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(anyJson, nearlyValid), (value) => {
        const result = parseCohortPayload(value);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(typeof parseCohortWebhookBody(text).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('every valid batch yields one change per distinct non-blank user id', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constant('')), { maxLength: 30 }),
        fc.boolean(),
        (ids, inCohort) => {
          const result = ok(
            parseCohortPayload({ ...documented, in_cohort: inCohort, users: ids.map((user_id) => ({ user_id })) }),
          );
          const expected = [...new Set(ids.filter((id) => id.trim() !== ''))];
          expect(result.changes.map((c) => c.userId)).toEqual(expected);
          expect(result.changes.every((c) => c.inCohort === inCohort)).toBe(true);
          expect(result.skipped).toHaveLength(ids.filter((id) => id.trim() === '').length);
        },
      ),
    );
  });
});
