import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { startHarness, type Harness } from '../support/harness';
import { cohortBatch, createCohortSync } from '../../testkit/cohort-flow';
import { createSync } from '../../testkit/destination-flow';

/**
 * Fuzzing Amplitude's cohort webhook endpoint (test/integration/fuzz.test.ts does the others): malformed,
 * oversized and unauthorised input always gets a 4xx, never a 5xx, and stores nothing (no membership row, no
 * counter). And the other way: a valid batch under the sync's key is a 200 storing one row per user.
 *
 * FUZZ_RUNS (default 300 per property) changes the run length; FUZZ_SEED=<seed> replays a run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
process.stdout.write(`cohort fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);

type Key = 'valid' | 'none' | 'unknown' | 'destination' | 'empty-bearer' | 'lowercase-scheme';
interface Request {
  key: Key;
  contentType?: string;
  body: Buffer;
}

describe('fuzzing the cohort webhook endpoint', () => {
  let h: Harness;
  let connectionId: string;
  let ingestKey: string;
  let destinationKey: string;
  beforeAll(async () => {
    // Hundreds of requests a second from one address: the per-IP and per-key limits would answer 429 (as in
    // fuzz.test.ts, they are not what this test is about).
    h = await startHarness({ env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_INGEST_KEY: '0' } });
    const sync = await createCohortSync(h);
    connectionId = sync.connectionId;
    ingestKey = sync.ingestKey;
    destinationKey = (await createSync(h)).ingestKey;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const headerFor = (key: Key): Record<string, string> => {
    if (key === 'valid') return { authorization: `Bearer ${ingestKey}` };
    if (key === 'unknown') return { authorization: `Bearer ${ingestKey.slice(0, -2)}zz` };
    if (key === 'destination') return { authorization: `Bearer ${destinationKey}` };
    if (key === 'empty-bearer') return { authorization: 'Bearer ' };
    if (key === 'lowercase-scheme') return { authorization: `bearer ${ingestKey}` };
    return {};
  };

  async function send(request: Request) {
    const response = await fetch(`${h.apiUrl}/amplitude/cohorts`, {
      method: 'POST',
      headers: { ...headerFor(request.key), ...(request.contentType ? { 'content-type': request.contentType } : {}) },
      body: request.body,
    });
    return { status: response.status, text: await response.text() };
  }

  /** What a request could have stored: the sync's rows and counters. */
  async function stored() {
    const [rows] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM destination_outbox WHERE connection_id = ${connectionId}`,
    );
    const counters = await queryRows<{ name: string; value: string }>(
      h.database.db,
      sql`SELECT name, value::text FROM connection_counters WHERE connection_id = ${connectionId} ORDER BY name`,
    );
    return { rows: rows!.n, counters };
  }

  async function expectRefusedAndNothingStored(requests: fc.Arbitrary<Request>, seedOffset: number) {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const before = await stored();
        const answer = await send(request);
        expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
        expect(await stored()).toEqual(before);
      }),
      { seed: SEED + seedOffset, numRuns: RUNS },
    );
    expect((await fetch(`${h.apiUrl}/healthz`)).status).toBe(200);
  }

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const userIds = fc.array(
    fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''),
    {
      minLength: 1,
      maxLength: 5,
    },
  );
  const validBatch = fc.tuple(fc.boolean(), userIds).map(([inCohort, users]) => cohortBatch(inCohort, users));
  const notBoolean = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 }));
  const notString = fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.object());

  /** A valid batch with one thing wrong. */
  const defective = fc.oneof(
    fc.tuple(validBatch, notBoolean).map(([b, v]) => ({ ...b, in_cohort: v })),
    fc.tuple(validBatch, notString).map(([b, v]) => ({ ...b, cohort_id: v })),
    fc.tuple(validBatch, fc.constantFrom('', '   ', 'x'.repeat(129))).map(([b, v]) => ({ ...b, cohort_id: v })),
    fc
      .tuple(
        validBatch,
        fc.constantFrom('cohort_id', 'cohort_name', 'message_id', 'computed_time', 'in_cohort', 'users'),
      )
      .map(([b, key]) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== key))),
    fc
      .tuple(validBatch, fc.oneof(fc.constantFrom('-1', '1.5', 'soon', '99999999999999'), fc.double(), fc.boolean()))
      .map(([b, v]) => ({ ...b, computed_time: v })),
    fc.tuple(validBatch, fc.oneof(fc.string(), fc.integer(), fc.object())).map(([b, v]) => ({ ...b, users: v })),
    fc
      .tuple(validBatch, fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 })))
      .map(([b, v]) => ({
        ...b,
        users: [...b.users, { user_id: v }],
      })),
    fc
      .tuple(validBatch, fc.oneof(fc.string(), fc.integer(), fc.constant(null)))
      .map(([b, v]) => ({ ...b, users: [...b.users, v] })),
    validBatch.map((b) => ({ ...b, users: [...b.users, { user_id: 'nul\u0000inside' }] })),
    validBatch.map((b) => ({ ...b, cohort_name: 'lone \ud800 surrogate' })),
    validBatch.map((b) => ({ ...b, users: [...b.users, { user_id: 'x'.repeat(1025) }] })),
    validBatch.map((b) => ({ ...b, users: Array.from({ length: 10_001 }, (_, i) => ({ user_id: `u${i}` })) })),
    fc.record({ type: fc.string(), userId: fc.string(), traits: fc.object() }),
    fc.record({
      batch: fc.array(fc.record({ type: fc.constant('track'), userId: fc.string() }), { minLength: 1, maxLength: 3 }),
    }),
  );

  it('malformed payloads under a valid key are a 400 and store nothing', async () => {
    const bodies = fc.oneof(
      defective.map(json),
      fc
        .jsonValue({ maxDepth: 4 })
        .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
        .map(json),
      fc.uint8Array({ maxLength: 2_048 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 300 }).map((text) => Buffer.from(text)),
      fc.integer({ min: 60, max: 5_000 }).map((n) => Buffer.from(`${'['.repeat(n)}1${']'.repeat(n)}`)),
      fc.constant(Buffer.alloc(0)),
    );
    await expectRefusedAndNothingStored(
      fc.record({
        key: fc.constant<Key>('valid'),
        contentType: fc.constantFrom(undefined, 'application/json', 'text/plain'),
        body: bodies,
      }),
      1,
    );
  });

  it('unauthorised requests are a 401, whatever they carry, and store nothing', async () => {
    const bodies = fc.oneof(
      validBatch.map(json),
      defective.map(json),
      fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    );
    await expectRefusedAndNothingStored(
      fc.record({
        key: fc.constantFrom<Key>('none', 'unknown', 'destination', 'empty-bearer', 'lowercase-scheme'),
        contentType: fc.constant('application/json'),
        body: bodies,
      }),
      2,
    );
  });

  it('an oversized body is a 413 and stores nothing', async () => {
    const before = await stored();
    const big = Buffer.from(JSON.stringify({ ...cohortBatch(true, ['u1']), padding: 'x'.repeat(5_100_000) }));
    const answer = await send({ key: 'valid', contentType: 'application/json', body: big });
    expect(answer.status).toBe(413);
    expect(await stored()).toEqual(before);
  });

  it('a valid batch is a 200 storing one row per distinct user (the property holds the other way)', async () => {
    await fc.assert(
      fc.asyncProperty(validBatch, async (batch) => {
        const before = await stored();
        const answer = await send({ key: 'valid', contentType: 'application/json', body: json(batch) });
        expect(answer.status, answer.text).toBe(200);
        expect((await stored()).rows - before.rows).toBe(new Set(batch.users.map((u) => u.user_id)).size);
      }),
      { seed: SEED + 3, numRuns: Math.min(RUNS, 50) },
    );
  });
});
