import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { DOCUMENTED } from '../../testkit/simulators/amplitude';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { authorize, onboardSource, waitForSource } from '../../testkit/source-flow';
import { ALL_WEBHOOK_TOPICS, itemForTopic } from '../../testkit/simulators/intercom';
import { createSync } from '../../testkit/destination-flow';

/**
 * Fuzzing the public, unauthenticated-by-design endpoints: Intercom's webhook receiver and the
 * Amplitude-compatible ingestion endpoints, with malformed, oversized, unsigned and mis-signed
 * input. For every input: no 5xx, a 4xx answer, and not one row stored (source_inbox and
 * destination_outbox of this file's own connections, counted after every request). After each
 * endpoint the API still answers /healthz. Inputs are small descriptions (so a counterexample
 * prints readably) materialised into bytes, signatures and gzip just before sending.
 *
 * The other way too: any valid signed notification is answered 200 and stored as exactly one row, and the
 * other public endpoints (Intercom's uninstall notice, the OAuth callback) never fail, never disconnect
 * or authorize anything on unconfirmed input.
 *
 * FUZZ_RUNS (default 1,500 per endpoint) changes the run length. Each run draws a new seed and prints it;
 * FUZZ_SEED=<seed> replays a run (fast-check also prints the seed and path of a failing case).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
process.stdout.write(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);

// ----- request descriptions --------------------------------------------------------------------

/**
 * Bytes of a body, described compactly: big bodies are built from a repeated unit, and a string
 * `§deep:<levels>:<a|o>§` anywhere in a JSON, text or form body becomes that many nested arrays or
 * objects (built as text: nesting that deep is past what JSON.stringify can walk).
 */
type BodySpec =
  | { json: unknown }
  | { text: string }
  | { bytes: Uint8Array }
  /** `prefix + unit × times + suffix`: huge strings, deep nesting. */
  | { repeat: { prefix: string; unit: string; times: number; suffix: string } }
  /** A form body (application/x-www-form-urlencoded), fields in order. */
  | { form: [string, string][] };

type SignatureSpec =
  | 'valid'
  | 'none'
  | 'other-secret'
  | 'other-body'
  | 'sha256'
  | 'truncated'
  | 'padded'
  | 'empty-prefix'
  | { raw: string };

interface RequestSpec {
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  contentType?: string;
  contentEncoding?: string;
  /** Compress the materialised body (with the encoding header set to contentEncoding ?? gzip). */
  gzip?: boolean;
  signature?: SignatureSpec;
  query?: Record<string, string>;
  body: BodySpec;
}

const DEEP_MARKER = /"?§deep:(\d+):([ao])§"?/g;
const deepMarker = (levels: number, arrays: boolean) => `§deep:${levels}:${arrays ? 'a' : 'o'}§`;
const expandDeep = (text: string) =>
  text.replace(DEEP_MARKER, (_match, levels: string, kind: string) => {
    const n = Number(levels);
    return kind === 'a' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });

function materialise(body: BodySpec): Buffer {
  if ('json' in body) return Buffer.from(expandDeep(JSON.stringify(body.json) ?? 'null'));
  if ('text' in body) return Buffer.from(expandDeep(body.text));
  if ('bytes' in body) return Buffer.from(body.bytes);
  if ('form' in body) {
    return Buffer.from(new URLSearchParams(body.form.map(([k, v]): [string, string] => [k, expandDeep(v)])).toString());
  }
  const { prefix, unit, times, suffix } = body.repeat;
  return Buffer.from(expandDeep(prefix) + unit.repeat(times) + expandDeep(suffix));
}

/** Amplitude's documented refusals (testkit/fixtures/amplitude/documented.json), not our own reading of them. */
const INVALID_ID_VALUES: ReadonlySet<string> = new Set(DOCUMENTED.invalidIds.values);
const RESERVED_EVENT_TYPES: readonly string[] = DOCUMENTED.reservedEventTypes.values;

const HUGE = '§huge§';

function withoutKeys(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}
/** `json` with its one string value HUGE replaced by `unit` × `times`. */
function withHuge(json: unknown, unit: string, times: number): BodySpec {
  const text = JSON.stringify(json);
  const at = text.indexOf(HUGE);
  return { repeat: { prefix: text.slice(0, at), unit, times, suffix: text.slice(at + HUGE.length) } };
}

function signatureFor(spec: SignatureSpec, body: Buffer, secret: string): string | undefined {
  const sha1 = (key: string, data: Buffer) => createHmac('sha1', key).update(data).digest('hex');
  if (spec === 'none') return undefined;
  if (spec === 'valid') return `sha1=${sha1(secret, body)}`;
  if (spec === 'other-secret') return `sha1=${sha1(`${secret}-not`, body)}`;
  if (spec === 'other-body') return `sha1=${sha1(secret, Buffer.concat([body, Buffer.from(' ')]))}`;
  if (spec === 'sha256') return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  if (spec === 'truncated') return `sha1=${sha1(secret, body).slice(0, 39)}`;
  if (spec === 'padded') return `sha1=${sha1(secret, body)}0`;
  if (spec === 'empty-prefix') return sha1(secret, body);
  return spec.raw;
}

/** A change to a valid object: fields set to a value, then fields removed. */
interface Defect {
  set?: Record<string, unknown>;
  remove?: readonly string[];
}

// ----- arbitraries shared by the endpoints -----------------------------------------------------

const smallJson = fc.jsonValue({ maxDepth: 3 });
const anyString = fc.string({ unit: 'binary', maxLength: 40 });
/** JSON values of every type but a string. */
const nonString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(smallJson, { maxLength: 3 }),
  fc.dictionary(anyString, smallJson, { maxKeys: 3 }),
);
const nonStringNonNull = nonString.filter((v) => v !== null);
/** Values that are not a non-negative integer (but are JSON: no NaN/Infinity, which serialise as null). */
const notNonNegativeInteger = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, noInteger: true }),
  anyString,
  fc.boolean(),
  fc.array(smallJson, { maxLength: 2 }),
  fc.dictionary(anyString, smallJson, { maxKeys: 2 }),
);
const notAnObject = fc.oneof(
  fc.array(smallJson, { maxLength: 3 }),
  anyString,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const randomBytes = fc.uint8Array({ maxLength: 4_096 }).map((bytes): BodySpec => ({ bytes }));
const randomText = fc.string({ unit: 'grapheme', maxLength: 500 }).map((text): BodySpec => ({ text }));
const randomJson = fc.jsonValue({ maxDepth: 6 }).map((json): BodySpec => ({ json }));
/** Deeply nested arrays or objects, as a whole body or wrapped by the caller. */
const depth = fc.oneof(fc.integer({ min: 41, max: 200 }), fc.integer({ min: 1_000, max: 120_000 }));
const deepValue = fc.tuple(depth, fc.boolean()).map(([levels, arrays]) => deepMarker(levels, arrays));
const deepBody = deepValue.map((text): BodySpec => ({ text }));
/** Content types, mostly plausible; JSON ones are filtered by the callers that need a wrong one. */
const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/octet-stream',
    'application/json; charset=utf-16',
    'application/jsonp',
    'json',
    'text/json',
    'application/*',
    ';;;',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
);
const mediaTypeOf = (type: string | undefined) => (type ?? '').split(';')[0]!.trim().toLowerCase();
const wrongContentType = contentType.filter((type) => mediaTypeOf(type) !== 'application/json');
const contentEncoding = fc.constantFrom(
  'gzip',
  'x-gzip',
  'deflate',
  'br',
  'compress',
  'identity',
  'gzip, gzip',
  'zstd',
);

// ----- the suite -------------------------------------------------------------------------------

describe('fuzzing the webhook and ingestion endpoints', () => {
  let h: Harness;
  let appId: string;
  let sourceConnectionId: string;
  let destinationConnectionId: string;
  let ingestKey: string;
  let serial = 0;

  beforeAll(async () => {
    // Fuzzing is not about rate limits: thousands of requests a second from one address and one key.
    h = await startHarness({ env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_INGEST_KEY: '0' } });
    appId = h.intercom.addWorkspace({ name: 'Fuzz' }).appId;
    const source = await onboardSource(h, { projectId: uniqueId('fuzz'), appId, identityMapping: 'user_id' });
    sourceConnectionId = source.connectionId;
    await waitForSource(h, sourceConnectionId, (s) => s.phase === 'listening');
    const sync = await createSync(h, undefined, 'Fuzz sync');
    destinationConnectionId = sync.connectionId;
    ingestKey = sync.ingestKey;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function storedRows(): Promise<{ inbox: number; outbox: number }> {
    const [row] = await queryRows<{ inbox: number; outbox: number }>(
      h.database.db,
      sql`SELECT (SELECT count(*)::int FROM source_inbox WHERE connection_id = ${sourceConnectionId}) AS inbox,
                 (SELECT count(*)::int FROM destination_outbox WHERE connection_id = ${destinationConnectionId}) AS outbox`,
    );
    return row!;
  }

  /** Megabyte bodies built from a few distinct descriptions are built (and compressed) once. */
  const bigBodies = new Map<string, Buffer>();
  function bytesOf(spec: RequestSpec): Buffer {
    const big = 'repeat' in spec.body && spec.body.repeat.times >= 1_000_000;
    const key = big ? JSON.stringify([spec.body, spec.gzip ?? false]) : undefined;
    const cached = key !== undefined ? bigBodies.get(key) : undefined;
    if (cached) return cached;
    const raw = materialise(spec.body);
    const bytes = spec.gzip ? gzipSync(raw) : raw;
    if (key !== undefined) bigBodies.set(key, bytes);
    return bytes;
  }

  async function send(path: string, spec: RequestSpec): Promise<{ status: number; text: string }> {
    const body = bytesOf(spec);
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.signature) {
      const signed = spec.gzip ? materialise(spec.body) : body;
      const signature = signatureFor(spec.signature, signed, h.intercom.clientSecret);
      if (signature !== undefined) headers['x-hub-signature'] = signature;
    }
    if (spec.gzip) {
      headers['content-encoding'] = spec.contentEncoding ?? 'gzip';
    } else if (spec.contentEncoding) {
      headers['content-encoding'] = spec.contentEncoding;
    }
    if (spec.contentType !== undefined) headers['content-type'] = spec.contentType;
    const query = spec.query
      ? `?${new URLSearchParams(Object.entries(spec.query).map(([k, v]): [string, string] => [k, expandDeep(v)]))}`
      : '';
    const method = spec.method ?? 'POST';
    const response = await fetch(`${h.apiUrl}${path}${query}`, {
      method,
      headers,
      body: method === 'GET' ? undefined : body,
    });
    return { status: response.status, text: await response.text() };
  }

  /** The property every endpoint must hold: a 4xx, never a 5xx, and nothing stored. */
  async function fuzz(path: string, requests: fc.Arbitrary<RequestSpec>, seedOffset: number) {
    await fc.assert(
      fc.asyncProperty(requests, async (spec) => {
        const before = await storedRows();
        const answer = await send(path, spec);
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(await storedRows()).toEqual(before);
      }),
      { seed: SEED + seedOffset, numRuns: RUNS },
    );
    await expectHealthy();
  }

  async function expectHealthy() {
    const health = await fetch(`${h.apiUrl}/healthz`);
    expect(health.status).toBe(200);
  }

  // ----- Intercom webhooks -----------------------------------------------------------------------

  /** A valid notification for this file's workspace: stored if it were ever accepted. */
  const envelope = () =>
    fc.record({ n: fc.nat(), name: fc.string({ maxLength: 30 }) }).map(({ n, name }) => {
      serial += 1;
      // Recent: a notification older than WEBHOOK_MAX_AGE is answered 200 and not stored (stale).
      const seconds = Math.floor(Date.now() / 1000) - (n % 86_400);
      return {
        type: 'notification_event',
        app_id: appId,
        id: `notif_fuzz_${serial}_${n}`,
        topic: 'contact.user.created',
        created_at: seconds,
        delivery_attempts: 1,
        first_sent_at: seconds,
        data: {
          type: 'notification_event_data',
          item: {
            type: 'contact',
            id: `c_fuzz_${serial}_${n}`,
            workspace_id: appId,
            external_id: `user-${n}`,
            role: 'user',
            name,
            created_at: seconds,
            updated_at: seconds,
          },
        },
      } as Record<string, any>;
    });

  /** One change that makes the envelope invalid: a field removed or given a value of the wrong type. */
  const envelopeDefect = fc.oneof(
    fc.record({ field: fc.constant('type'), value: fc.oneof(nonString, anyString) }),
    fc.record({ field: fc.constantFrom('app_id', 'topic'), value: fc.oneof(nonString, fc.constant('')) }),
    fc.record({ field: fc.constant('id'), value: fc.oneof(nonStringNonNull, fc.constant('')) }),
    fc.record({ field: fc.constant('created_at'), value: notNonNegativeInteger }),
    fc.record({ field: fc.constantFrom('delivery_attempts', 'first_sent_at'), value: notNonNegativeInteger }),
    fc.record({ field: fc.constantFrom('data', 'data.item'), value: notAnObject }),
    fc.record({ field: fc.constantFrom('type', 'app_id', 'id', 'topic', 'created_at', 'data', 'data.item') }),
  );
  const applyDefect = (env: Record<string, any>, defect: { field: string; value?: unknown }) => {
    const copy = structuredClone(env);
    const [parent, key] = defect.field === 'data.item' ? [copy.data, 'item'] : [copy, defect.field];
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return copy; // data is broken already
    if (!('value' in defect)) delete parent[key];
    else if (defect.field === 'type' && defect.value === 'notification_event') parent[key] = 'notification';
    else parent[key] = defect.value;
    return copy;
  };
  const brokenEnvelope = () =>
    fc
      .tuple(envelope(), fc.array(envelopeDefect, { minLength: 1, maxLength: 3 }))
      .map(([env, defects]) => defects.reduce(applyDefect, env));

  const webhookRequests = () => {
    const badSignature: fc.Arbitrary<SignatureSpec> = fc.oneof(
      fc.constantFrom<SignatureSpec>(
        'none',
        'other-secret',
        'other-body',
        'sha256',
        'truncated',
        'padded',
        'empty-prefix',
      ),
      fc.string({ maxLength: 60 }).map((raw) => ({ raw })),
      fc.stringMatching(/^[0-9a-f]{40}$/).map((hex) => ({ raw: `sha1=${hex}` })),
    );
    // Well-formed notifications (and anything else) with a missing or wrong signature.
    const unsigned = fc.record({
      body: fc.oneof({ weight: 3, arbitrary: envelope().map((json): BodySpec => ({ json })) }, randomBytes, randomJson),
      signature: badSignature,
      contentType,
    });
    // Correctly signed, but not a notification.
    const signedGarbage = fc.record({
      body: fc.oneof(
        randomBytes,
        randomText,
        randomJson,
        { weight: 4, arbitrary: brokenEnvelope().map((json): BodySpec => ({ json })) },
        deepBody,
        // A broken envelope carrying deep nesting or a huge string.
        fc.tuple(brokenEnvelope(), deepValue).map(([env, deep]): BodySpec => ({ json: { ...env, deep } })),
        // A valid envelope whose item nests far deeper than Intercom's objects do.
        fc.tuple(envelope(), deepValue).map(([env, deep]): BodySpec => ({
          json: { ...env, data: { ...env.data, item: { ...env.data.item, deep } } },
        })),
        fc
          .tuple(brokenEnvelope(), fc.integer({ min: 10_000, max: 990_000 }))
          .map(([env, times]) => withHuge({ ...env, huge: HUGE }, 'x', times)),
        // A valid envelope truncated, or with bytes before or after it.
        fc
          .tuple(envelope(), fc.nat(), fc.constantFrom('\uFEFF', '', 'x'), fc.constantFrom('', ']', ',{}', '\u0000'))
          .map(([env, cut, before, after]): BodySpec => {
            const text = JSON.stringify(env);
            return before === '' && after === ''
              ? { text: text.slice(0, cut % text.length) }
              : { text: `${before}${text}${after}` };
          }),
      ),
      signature: fc.constant<SignatureSpec>('valid'),
      contentType,
    });
    // Over 1 MB: refused before it is read as JSON, even when valid and signed.
    const oversized = fc
      .tuple(envelope(), fc.integer({ min: 1_000_001, max: 1_300_000 }), fc.boolean())
      .map(([env, times, signed]) => ({
        body: withHuge({ ...env, huge: HUGE }, 'y', times),
        signature: (signed ? 'valid' : 'none') as SignatureSpec,
        contentType: 'application/json',
      }));
    return fc.oneof(
      { weight: 4, arbitrary: unsigned },
      { weight: 8, arbitrary: signedGarbage },
      { weight: 1, arbitrary: oversized },
    ) as fc.Arbitrary<RequestSpec>;
  };

  it('POST /intercom/webhooks: malformed, oversized, unsigned or mis-signed input is a 4xx and stores nothing', async () => {
    await fuzz('/intercom/webhooks', webhookRequests(), 1);
  });

  /**
   * Any valid notification for this workspace: every topic with an item (ping excepted: it stores nothing by
   * design), unique ids, arbitrary text in the contact's fields, unknown extra fields in the envelope and the
   * item, optional fields present, null or absent, any JSON layout and any Content-Type.
   */
  const validSignedEnvelope = fc
    .record({
      topic: fc.constantFrom(...ALL_WEBHOOK_TOPICS.filter((topic) => topic !== 'ping')),
      name: fc.string({ unit: 'binary', maxLength: 40 }),
      // Within the dedupe window: an older notification is answered 200 and deliberately not stored (`stale`).
      createdAt: fc.integer({ min: Math.floor(Date.now() / 1000) - 13 * 86_400, max: 2 ** 31 - 1 }),
      attempts: fc.option(fc.oneof(fc.nat(), fc.constant(null)), { nil: undefined }),
      firstSentAt: fc.option(fc.oneof(fc.nat(), fc.constant(null)), { nil: undefined }),
      envelopeExtra: fc.dictionary(fc.string({ maxLength: 12 }), smallJson, { maxKeys: 3 }),
      itemExtra: fc.dictionary(fc.string({ maxLength: 12 }), smallJson, { maxKeys: 3 }),
      indent: fc.constantFrom(undefined, 0, 2, '\t'),
      contentType,
    })
    .map(({ topic, name, createdAt, attempts, firstSentAt, envelopeExtra, itemExtra, indent, contentType: type }) => {
      serial += 1;
      const id = `fz${serial}x${createdAt}`;
      const item = itemForTopic(topic, {
        appId,
        now: createdAt,
        contact: { id: `c_${id}`, externalId: `user-${id}`, email: `${id}@example.com`, name },
        conversation: { id: `9${serial}${createdAt}` },
        tag: { id: `t${id}`, name },
        event: { eventName: `fuzzed-${id}` },
      }) as Record<string, unknown>;
      const envelope: Record<string, unknown> = {
        ...withoutKeys(envelopeExtra, [
          'type',
          'app_id',
          'id',
          'topic',
          'created_at',
          'data',
          'delivery_attempts',
          'first_sent_at',
        ]),
        type: 'notification_event',
        app_id: appId,
        id: `notif_${id}`,
        topic,
        created_at: createdAt,
        ...(attempts !== undefined && { delivery_attempts: attempts }),
        ...(firstSentAt !== undefined && { first_sent_at: firstSentAt }),
        data: { type: 'notification_event_data', item: { ...withoutKeys(itemExtra, Object.keys(item)), ...item } },
      };
      return { id: envelope.id as string, body: JSON.stringify(envelope, null, indent), contentType: type };
    })
    // U+0000 anywhere makes a notification unstorable, and it is refused by name (a 400): not valid here.
    .filter(({ body }) => !body.includes('\\u0000'));

  it('POST /intercom/webhooks: any valid signed notification is answered 200 and stored as exactly one row', async () => {
    await fc.assert(
      fc.asyncProperty(validSignedEnvelope, async ({ id, body, contentType: type }) => {
        const before = await storedRows();
        const answer = await send('/intercom/webhooks', {
          body: { text: body },
          signature: 'valid',
          contentType: type,
        });
        expect(answer.status, answer.text.slice(0, 300)).toBe(200);
        const [row] = await queryRows<{ n: number }>(
          h.database.db,
          sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${sourceConnectionId} AND notification_id = ${id}`,
        );
        expect(row!.n).toBe(1);
        expect(await storedRows()).toEqual({ ...before, inbox: before.inbox + 1 });
      }),
      { seed: SEED + 6, numRuns: Math.ceil(RUNS / 3) },
    );
    await expectHealthy();
  });

  // ----- Amplitude HTTP V2 and Batch -------------------------------------------------------------

  const validEvent = fc
    .record({
      n: fc.nat(),
      name: fc.string({ minLength: 1, maxLength: 30 }),
      time: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      // A NUL anywhere is refused by design (Postgres jsonb cannot hold it), so a valid event has none:
      // FUZZ_SEED=2 drew one into the control request, which was then answered 400.
      props: fc
        .dictionary(anyString, smallJson, { maxKeys: 4 })
        .filter((props) => !JSON.stringify(props).includes('\\u0000')),
    })
    .map(({ n, name, time, props }) => {
      serial += 1;
      return {
        event_type: `E ${name}`,
        user_id: `user-${n}`,
        device_id: `device-${n}`,
        insert_id: `fuzz-${serial}-${n}`,
        time,
        event_properties: props,
      } as Record<string, unknown>;
    });

  /** One change that makes an event invalid for Amplitude, so the whole request is refused. */
  const eventDefect: fc.Arbitrary<Defect> = fc.oneof(
    fc.constant({ remove: ['event_type'] }),
    fc
      .oneof(fc.constant(''), fc.constant(null), nonStringNonNull, fc.constantFrom(...RESERVED_EVENT_TYPES))
      .map((v) => ({ set: { event_type: v } })),
    fc
      .oneof(notNonNegativeInteger, fc.constant(2 ** 53 + 2))
      .filter((v) => v !== null)
      .map((v) => ({ set: { time: v } })),
    fc
      .tuple(
        fc.constantFrom('session_id', 'event_id', 'quantity'),
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, noInteger: true }), anyString, fc.boolean()),
      )
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc
      .tuple(
        fc.constantFrom('price', 'revenue', 'location_lat', 'location_lng'),
        fc.oneof(anyString, fc.boolean(), fc.array(smallJson, { minLength: 1, maxLength: 2 })),
      )
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc
      .tuple(
        fc.constantFrom('event_properties', 'user_properties', 'groups', 'group_properties', 'plan'),
        fc.oneof(fc.array(smallJson, { maxLength: 2 }), anyString, fc.integer(), fc.boolean()),
      )
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc
      .tuple(fc.constantFrom('insert_id', 'ip', 'platform', 'os_name', 'country', 'idfa', 'library'), nonStringNonNull)
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc.constant({ set: { idfa: '00000000-0000-0000-0000-000000000000' } }),
    fc.oneof(anyString, fc.integer()).map((v) => ({ set: { $skip_user_properties_sync: v } })),
    // Ids Amplitude refuses, or no usable id at all.
    fc
      .tuple(
        fc.constantFrom('user_id', 'device_id'),
        fc.oneof(
          fc.constantFrom(...INVALID_ID_VALUES).chain((v) => fc.constantFrom(v, v.toUpperCase())),
          nonStringNonNull,
          fc.integer({ min: 1_025, max: 3_000 }).map((n) => 'i'.repeat(n)),
        ),
      )
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc.constant({ remove: ['user_id', 'device_id'] }),
    fc
      .string({ minLength: 1, maxLength: 4 })
      .filter((id) => !INVALID_ID_VALUES.has(id.toLowerCase()))
      .map((id) => ({ set: { user_id: id }, remove: ['device_id'] })),
    // Nesting past Amplitude's 40 levels, in a known object field or any other field.
    fc
      .tuple(fc.constantFrom('event_properties', 'user_properties', 'extra_field'), deepValue)
      .map(([field, deep]) => ({ set: { [field]: { deep } } })),
  );

  const brokenEvent = fc.tuple(validEvent, eventDefect).map(([event, defect]) => {
    const copy: Record<string, unknown> = { ...event, ...defect.set };
    for (const field of defect.remove ?? []) delete copy[field];
    return copy;
  });
  /** Some valid events and at least one broken one: Amplitude refuses the whole request. */
  const eventsWithADefect = fc
    .tuple(fc.array(validEvent, { maxLength: 4 }), fc.array(brokenEvent, { minLength: 1, maxLength: 2 }), fc.nat())
    .map(([valid, broken, at]) => {
      const events = [...valid];
      for (const event of broken) events.splice(at % (events.length + 1), 0, event);
      return events;
    });
  // Never below the default 5: a lower minimum would make the short ids above valid.
  const uploadOptions = fc.option(
    fc.record(
      {
        min_id_length: fc
          .oneof(fc.integer({ min: 5, max: 300 }), smallJson)
          .filter((v) => !(Number.isSafeInteger(v) && (v as number) > 0 && (v as number) < 5)),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  );

  const uploadRequests = (maxBodyBytes: number) => {
    const json = (body: unknown): RequestSpec => ({ body: { json: body }, contentType: 'application/json' });
    const withOptions = (body: Record<string, unknown>, options: unknown) =>
      options === undefined ? body : { ...body, options };
    // Our key and events, one of which Amplitude would refuse.
    const badEvents = fc
      .tuple(eventsWithADefect, uploadOptions)
      .map(([events, options]) => json(withOptions({ api_key: ingestKey, events }, options)));
    // Valid events under a key that is not a sync's, or no key at all.
    const badKey = fc
      .tuple(
        fc.oneof(
          fc.string({ maxLength: 40 }).filter((k) => k !== ingestKey),
          nonString,
          fc.constant(`${ingestKey} `),
          fc.constant(ingestKey.toUpperCase() === ingestKey ? `${ingestKey}X` : ingestKey.toUpperCase()),
          fc.constant(undefined),
        ),
        fc.array(validEvent, { minLength: 1, maxLength: 3 }),
      )
      .map(([apiKey, events]) => json({ ...(apiKey === undefined ? {} : { api_key: apiKey }), events }));
    // Our key, but no list of event objects.
    const badEventList = fc
      .oneof(
        fc.constant(undefined),
        fc.constant(null),
        fc.constant([]),
        fc.oneof(anyString, fc.integer(), fc.boolean(), fc.dictionary(anyString, smallJson, { maxKeys: 3 })),
        fc
          .tuple(fc.array(validEvent, { maxLength: 3 }), fc.oneof(notAnObject, fc.constant([])), fc.nat())
          .map(([events, bad, at]) => {
            const list: unknown[] = [...events];
            list.splice(at % (list.length + 1), 0, bad);
            return list;
          }),
      )
      .map((events) => json(events === undefined ? { api_key: ingestKey } : { api_key: ingestKey, events }));
    // A valid request with a Content-Type that is not JSON.
    const wrongType = fc
      .tuple(fc.array(validEvent, { minLength: 1, maxLength: 3 }), wrongContentType)
      .map(([events, type]) => ({ body: { json: { api_key: ingestKey, events } }, contentType: type }) as RequestSpec);
    // Random bytes, text and JSON under any Content-Type and Content-Encoding.
    const garbage = fc
      .tuple(
        fc.oneof(randomBytes, randomText, randomJson, deepBody),
        contentType,
        fc.option(contentEncoding, { nil: undefined }),
      )
      .map(([body, type, encoding]): RequestSpec => ({ body, contentType: type, contentEncoding: encoding }));
    // Compressed: garbage bytes claimed to be gzip, or real gzip of a refused request or of non-JSON.
    const gzipped = fc.oneof(
      fc
        .tuple(randomBytes, fc.constantFrom('gzip', 'x-gzip', 'deflate', 'br'))
        .map(([body, encoding]): RequestSpec => ({
          body,
          contentType: 'application/json',
          contentEncoding: encoding,
        })),
      fc
        .oneof(
          badEvents.map((r) => r.body),
          randomText,
          randomBytes,
        )
        .map((body): RequestSpec => ({ body, contentType: 'application/json', gzip: true })),
      // A gzip bomb: megabytes of zeros in a few kilobytes (past our limit, and past the body parser's).
      fc.constantFrom(2, 21, 26).map((mb): RequestSpec => ({
        body: { repeat: { prefix: '', unit: '0', times: mb * 1_000_000, suffix: '' } },
        contentType: 'application/json',
        gzip: true,
      })),
    );
    // Too big: more events than allowed, or a body over the endpoint's limit.
    const oversized = fc.oneof(
      fc.constant(json({ api_key: ingestKey, events: Array.from({ length: 2_001 }, () => ({ event_type: 'e' })) })),
      fc
        .tuple(fc.constantFrom(maxBodyBytes, maxBodyBytes + 150_000), fc.boolean())
        .map(([times, compress]): RequestSpec => ({
          body: withHuge(
            { api_key: ingestKey, events: [{ event_type: 'Big', user_id: 'user-big', huge: HUGE }] },
            'z',
            times,
          ),
          contentType: 'application/json',
          gzip: compress,
        })),
    );
    // Huge strings that alone would be fine (truncated), next to a refused event.
    const hugeAndBroken = fc
      .tuple(eventsWithADefect, fc.integer({ min: 10_000, max: Math.min(maxBodyBytes, 2_000_000) - 50_000 }))
      .map(([events, times]): RequestSpec => ({
        body: withHuge(
          { api_key: ingestKey, events: [{ event_type: 'Huge', user_id: 'user-huge', note: HUGE }, ...events] },
          'h',
          times,
        ),
        contentType: 'application/json',
      }));
    return fc.oneof(
      { weight: 8, arbitrary: badEvents },
      { weight: 2, arbitrary: badKey },
      { weight: 2, arbitrary: badEventList },
      { weight: 2, arbitrary: wrongType },
      { weight: 3, arbitrary: garbage },
      { weight: 2, arbitrary: gzipped },
      { weight: 1, arbitrary: oversized },
      { weight: 1, arbitrary: hugeAndBroken },
    );
  };

  it('POST /2/httpapi: malformed, oversized or mis-keyed uploads are a 4xx and store nothing', async () => {
    await fuzz('/2/httpapi', uploadRequests(1_000_000), 2);
  });

  it('POST /batch: malformed or mis-keyed uploads are a 4xx and store nothing', async () => {
    await fuzz('/batch', uploadRequests(20_000_000), 3);
  });

  // ----- Amplitude Identify ----------------------------------------------------------------------

  const validIdentification = fc
    .record({ n: fc.nat(), props: fc.dictionary(anyString, smallJson, { maxKeys: 3 }) })
    .map(({ n, props }) => ({ user_id: `user-${n}`, user_properties: { $set: props } }) as Record<string, unknown>);
  const identificationDefect: fc.Arbitrary<Defect> = fc.oneof(
    fc
      .oneof(fc.array(smallJson, { maxLength: 2 }), anyString, fc.integer(), fc.boolean(), fc.constant(null))
      .map((v) => ({ set: { user_properties: v } })),
    fc
      .tuple(
        fc.constantFrom('user_id', 'device_id'),
        fc.oneof(
          fc.constantFrom(...INVALID_ID_VALUES),
          nonStringNonNull,
          fc.integer({ min: 1_025, max: 2_000 }).map((n) => 'i'.repeat(n)),
        ),
      )
      .map(([field, v]) => ({ set: { [field]: v } })),
    fc.constant({ remove: ['user_id', 'device_id'] }),
    fc
      .string({ minLength: 1, maxLength: 4 })
      .filter((id) => !INVALID_ID_VALUES.has(id.toLowerCase()))
      .map((id) => ({ set: { user_id: id } })),
    fc
      .tuple(fc.constantFrom('user_properties', 'extra_field'), deepValue)
      .map(([field, deep]) => ({ set: { [field]: { deep } } })),
  );
  const brokenIdentification = fc.tuple(validIdentification, identificationDefect).map(([identification, defect]) => {
    const copy: Record<string, unknown> = { ...identification, ...defect.set };
    for (const field of defect.remove ?? []) delete copy[field];
    return copy;
  });
  const badIdentificationText = fc.oneof(
    brokenIdentification.map((i) => JSON.stringify(i)),
    fc
      .tuple(fc.array(validIdentification, { maxLength: 3 }), brokenIdentification, fc.nat())
      .map(([valid, broken, at]) => {
        const list: unknown[] = [...valid];
        list.splice(at % (list.length + 1), 0, broken);
        return JSON.stringify(list);
      }),
    fc
      .tuple(fc.array(validIdentification, { maxLength: 2 }), notAnObject)
      .map(([valid, bad]) => JSON.stringify([...valid, bad])),
    fc.constantFrom('', '[]', 'null', '"text"', '42', 'true', '{', '[{]'),
    fc.string({ maxLength: 200 }),
  );

  const identifyRequests = () => {
    const form = (fields: [string, string][], type = 'application/x-www-form-urlencoded'): RequestSpec => ({
      body: { form: fields },
      contentType: type,
    });
    const badIdentification = badIdentificationText.map((text) =>
      form([
        ['api_key', ingestKey],
        ['identification', text],
      ]),
    );
    const badKey = fc
      .tuple(
        fc.option(
          fc.string({ maxLength: 40 }).filter((k) => k !== ingestKey),
          { nil: undefined },
        ),
        validIdentification,
      )
      .map(([key, identification]) =>
        form([
          ...(key === undefined ? [] : [['api_key', key] as [string, string]]),
          ['identification', JSON.stringify(identification)],
        ]),
      );
    // A valid identify sent as JSON, text or a broken multipart body: its fields cannot be read.
    const unreadable = fc
      .tuple(validIdentification, wrongContentType, fc.boolean())
      .filter(([, type]) => !['application/x-www-form-urlencoded', 'multipart/form-data'].includes(mediaTypeOf(type)))
      .map(([identification, type, asJson]): RequestSpec =>
        asJson
          ? { body: { json: { api_key: ingestKey, identification } }, contentType: type }
          : {
              body: { text: `api_key=${ingestKey}&identification=${JSON.stringify(identification)}` },
              contentType: type,
            },
      );
    const brokenMultipart = fc
      .tuple(badIdentificationText, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }))
      .map(([text, boundary]): RequestSpec => ({
        body: {
          text: `--${boundary}\r\ncontent-disposition: form-data; name="api_key"\r\n\r\n${ingestKey}\r\n--${boundary}\r\ncontent-disposition: form-data; name="identification"\r\n\r\n${text}\r\n--${boundary}--\r\n`,
        },
        contentType: `multipart/form-data; boundary=${boundary}`,
      }));
    // The same through the query string (GET and POST read it).
    const viaQuery = fc
      .tuple(badIdentificationText, fc.constantFrom<'GET' | 'POST'>('GET', 'POST'))
      .map(([text, method]): RequestSpec => ({
        method,
        query: { api_key: ingestKey, identification: text },
        body: { text: '' },
      }));
    const garbage = fc
      .tuple(fc.oneof(randomBytes, randomText, randomJson, deepBody), contentType, fc.option(contentEncoding))
      .map(([body, type, encoding]): RequestSpec => ({
        body,
        contentType: type,
        contentEncoding: encoding ?? undefined,
      }));
    const hugeAndBroken = fc
      .tuple(badIdentificationText, fc.integer({ min: 10_000, max: 2_000_000 }))
      .map(([text, times]): RequestSpec => {
        const form = new URLSearchParams([
          ['api_key', ingestKey],
          ['padding', HUGE],
          ['identification', expandDeep(text)],
        ]).toString();
        const marker = new URLSearchParams([['m', HUGE]]).toString().slice(2);
        const at = form.indexOf(marker);
        return {
          body: { repeat: { prefix: form.slice(0, at), unit: 'p', times, suffix: form.slice(at + marker.length) } },
          contentType: 'application/x-www-form-urlencoded',
        };
      });
    return fc.oneof(
      { weight: 8, arbitrary: badIdentification },
      { weight: 2, arbitrary: badKey },
      { weight: 2, arbitrary: unreadable },
      { weight: 2, arbitrary: brokenMultipart },
      { weight: 2, arbitrary: viaQuery },
      { weight: 3, arbitrary: garbage },
      { weight: 1, arbitrary: hugeAndBroken },
    );
  };

  it('POST|GET /identify: malformed or mis-keyed identifications are a 4xx and store nothing', async () => {
    await fuzz('/identify', identifyRequests(), 4);
  });

  const webhookStreamingRequests = (): fc.Arbitrary<RequestSpec> => {
    const bearer = { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' };
    // Anything but one object naming a user, with the right key.
    const garbage = fc
      .oneof(
        randomBytes,
        randomText,
        randomJson,
        deepBody,
        fc.record({ event_type: fc.string() }).map((json): BodySpec => ({ json })),
        fc
          .tuple(validEvent, deepValue)
          .map(([event, deep]): BodySpec => ({ json: { ...event, event_properties: { deep } } })),
      )
      .map((body): RequestSpec => ({ body, headers: bearer }));
    // A valid event with a missing or wrong key.
    const badKey = fc
      .tuple(validEvent, fc.constantFrom(undefined, 'Bearer wrong', `Basic ${ingestKey}`, 'Bearer '))
      .map(([event, authorization]): RequestSpec => ({
        body: { json: event },
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      }));
    return fc.oneof({ weight: 4, arbitrary: garbage }, { weight: 1, arbitrary: badKey });
  };

  it('POST /amplitude/webhook: malformed or mis-keyed streaming payloads are a 4xx and store nothing', async () => {
    await fuzz('/amplitude/webhook', webhookStreamingRequests(), 5);
  });

  // ----- Intercom's uninstall notice and the OAuth callback -------------------------------------

  /** Status and stored credentials of this file's connections (other test files share the database). */
  async function connectionState(ids: string[]): Promise<{ statuses: Record<string, string>; credentials: number }> {
    const list = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    const rows = await queryRows<{ id: string; status: string }>(
      h.database.db,
      sql`SELECT id, status FROM connections WHERE id IN (${list})`,
    );
    const [counts] = await queryRows<{ credentials: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS credentials FROM credentials WHERE connection_id IN (${list})`,
    );
    expect(rows).toHaveLength(ids.length);
    return { statuses: Object.fromEntries(rows.map((r) => [r.id, r.status])), credentials: counts!.credentials };
  }

  /** Unsigned by Intercom's design: only an object with a non-empty string app_id is a notice (answered 200). */
  const uninstallRequests = (): fc.Arbitrary<RequestSpec & { notice: boolean }> => {
    const appIds = fc.oneof(
      { weight: 1, arbitrary: fc.constant(appId) },
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
    );
    const notice = fc
      .tuple(appIds, fc.dictionary(fc.string({ maxLength: 10 }), smallJson, { maxKeys: 3 }))
      .map(([id, extra]): RequestSpec & { notice: boolean } => ({
        body: { json: { ...extra, app_id: id } },
        contentType: 'application/json',
        notice: true,
      }));
    const notNotice = fc
      .oneof(
        fc.oneof(nonString, fc.constant('')).map((v): BodySpec => ({ json: { app_id: v } })),
        fc
          .dictionary(anyString, smallJson, { maxKeys: 3 })
          .filter((d) => !('app_id' in d))
          .map((json): BodySpec => ({ json })),
        randomBytes,
        randomText,
        randomJson,
        deepBody,
        fc.integer({ min: 16_500, max: 200_000 }).map((n) => withHuge({ app_id: appId, pad: HUGE }, 'p', n)),
      )
      .chain((body) =>
        contentType.map((type): RequestSpec & { notice: boolean } => ({ body, contentType: type, notice: false })),
      );
    return fc.oneof({ weight: 1, arbitrary: notice }, { weight: 3, arbitrary: notNotice });
  };

  it('POST /intercom/uninstall: never a 5xx, 200 only for a notice, and nothing disconnected without Intercom confirming', async () => {
    const ours = [sourceConnectionId, destinationConnectionId];
    const before = await connectionState(ours);
    await fc.assert(
      fc.asyncProperty(uninstallRequests(), async ({ notice, ...spec }) => {
        const answer = await send('/intercom/uninstall', spec);
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        if (notice) expect(answer.status, answer.text.slice(0, 300)).toBe(200);
        else if (answer.status === 200) {
          // Not generated as a notice, yet accepted: only if it reads as one after all (a JSON object with an app_id).
          const text = materialise(spec.body).toString('utf8');
          expect(JSON.parse(text)?.app_id).toEqual(expect.any(String));
        } else expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      { seed: SEED + 7, numRuns: Math.ceil(RUNS / 3) },
    );
    await expectHealthy();
    // Notices for our workspace made the workflow ask Intercom (/me), which still accepts the token: still connected.
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await waitForSource(h, sourceConnectionId, (s) => s.phase === 'listening' || s.phase === 'streaming');
    expect(after.phase).not.toBe('disconnected');
    expect(await connectionState(ours)).toEqual(before);
  });

  /** Query strings of the OAuth callback: random or missing code and state, our real pending state, errors. */
  const callbackRequests = (pendingState: string): fc.Arbitrary<RequestSpec> => {
    const markup = fc.constantFrom('', '<x-fuzz>', '"><x-fuzz a=', "'><x-fuzz>");
    const text = fc.tuple(fc.string({ maxLength: 60 }), markup).map(([t, m]) => `${t}${m}`);
    const query = fc.record(
      {
        code: text,
        state: fc.oneof({ weight: 3, arbitrary: text }, { weight: 1, arbitrary: fc.constant(pendingState) }),
        error: fc.constantFrom('access_denied', 'server_error', '<x-fuzz>'),
        error_description: text,
        extra: text,
      },
      { requiredKeys: [] },
    );
    const accept = fc.constantFrom(
      undefined,
      'text/html',
      'application/json',
      '*/*',
      'text/html;q=0.1, application/json',
      'image/png',
    );
    return fc.tuple(query, accept).map(([q, a]): RequestSpec => ({
      method: 'GET',
      query: Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as Record<string, string>,
      headers: a ? { accept: a } : ({} as Record<string, string>),
      body: { text: '' },
    }));
  };

  it('GET /oauth/intercom/callback: never a 5xx, nothing authorized or stored from a forged code or state, no markup echoed', async () => {
    // A source waiting for authorization: its real state shows up in some requests, with codes Intercom never issued.
    const created = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: uniqueId('fzoauth'),
      amplitudeApiKey: 'amp-key-fuzz-oauth',
    });
    expect(created.status).toBe(201);
    const pendingState = new URL(created.body.authorizeUrl).searchParams.get('state')!;
    const ours = [sourceConnectionId, destinationConnectionId, created.body.connectionId as string];
    const before = await connectionState(ours);
    await fc.assert(
      fc.asyncProperty(callbackRequests(pendingState), async (spec) => {
        const answer = await send('/oauth/intercom/callback', spec);
        expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        expect(answer.text).not.toMatch(/<x-fuzz/);
      }),
      { seed: SEED + 8, numRuns: Math.ceil(RUNS / 3) },
    );
    await expectHealthy();
    expect(await connectionState(ours)).toEqual(before);
    expect(before.statuses[created.body.connectionId]).toBe('Authorizing');
    // The endpoint still works for the real thing: a fresh authorization of a new source completes.
    const control = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: uniqueId('fzok'),
      amplitudeApiKey: 'amp-key-fuzz-ok',
    });
    const controlApp = h.intercom.addWorkspace({ name: 'Fuzz OAuth control' }).appId;
    expect(await authorize(h, control.body.authorizeUrl, controlApp)).toBe(200);
  });

  // ----- controls: the same endpoints do store well-formed input ----------------------------------

  it('stores well-formed input on every endpoint, gzip included (so "nothing stored" above is not vacuous)', async () => {
    const before = await storedRows();
    const env = fc.sample(envelope(), { numRuns: 1, seed: SEED })[0]!;
    expect((await send('/intercom/webhooks', { body: { json: env }, signature: 'valid' })).status).toBe(200);
    const events = fc.sample(validEvent, { numRuns: 3, seed: SEED });
    expect(
      (
        await send('/2/httpapi', {
          body: { json: { api_key: ingestKey, events: [events[0]] } },
          contentType: 'application/json',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await send('/batch', {
          body: { json: { api_key: ingestKey, events: [events[1]] } },
          contentType: 'application/json',
        })
      ).status,
    ).toBe(200);
    const identify = await send('/identify', {
      body: {
        form: [
          ['api_key', ingestKey],
          ['identification', JSON.stringify({ user_id: 'user-control', user_properties: { $set: { plan: 'pro' } } })],
        ],
      },
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(identify.status).toBe(200);
    const gzipped = await send('/2/httpapi', {
      body: { json: { api_key: ingestKey, events: [events[2]] } },
      contentType: 'application/json',
      gzip: true,
    });
    expect(gzipped.status, gzipped.text).toBe(200);
    expect(await storedRows()).toEqual({ inbox: before.inbox + 1, outbox: before.outbox + 4 });
  });
});
