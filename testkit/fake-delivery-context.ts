import type { DeliveryContext, IntercomApi } from '../src/destination/actions/context';
import type { CachedIdentity } from '../src/destination/identity-cache';
import type { OutboxRow } from '../src/destination/outbox';
import { destinationSettingsSchema, type DestinationSettingsInput } from '../src/destination/settings';
import type { IntercomResult } from '../src/intercom/client';
import { intercomFailure, type IntercomError, type RateLimitInfo } from '../src/intercom/errors';
import type { SentEvent } from '../src/loop-prevention';
import { cohortSettingsSchema } from '../src/cohort/settings';

type CohortSettingsInput = Parameters<typeof cohortSettingsSchema.parse>[0] & object;

/**
 * A destination action's world in memory, for unit tests of `perform`: a fake Intercom whose answers each test
 * scripts per endpoint (a call with nothing scripted fails the test), and in-memory stand-ins for the registries
 * that live in Postgres. Everything the action did is recorded for the test to read.
 */
type Method = keyof IntercomApi;
type Answer = IntercomResult<unknown>;

export const NOW = Date.parse('2026-03-01T12:00:00Z');

export function answered<T>(data: T, status = 200): IntercomResult<T> {
  return { ok: true, status, data, rateLimit: {} };
}

/** A failed answer, classified as the real client classifies it. */
export function failedWith(error: IntercomError, rateLimit: RateLimitInfo = {}): Answer {
  return { ok: false, status: error.status, failure: intercomFailure(error, rateLimit, NOW), error, rateLimit };
}

export interface FakeWorld {
  ctx: DeliveryContext;
  /** Queue answers for an endpoint, in call order. */
  answer(method: Method, ...answers: Answer[]): void;
  calls: { method: Method; args: unknown[] }[];
  sentEvents: SentEvent[];
  identities: Map<string, CachedIdentity>;
  eventTypes: { active: Set<string>; rejected: Set<string>; released: string[]; used: string[]; limit: number };
  identifyHashes: Map<string, { hash: string; contactId: string }>;
  /** Attribute names `ensure` refuses with `attribute_limit`. */
  refusedAttributes: Set<string>;
  /** Everything that happened, in order: Intercom calls and ledger writes. */
  log: string[];
}

export function fakeDeliveryWorld(settings: DestinationSettingsInput = {}): FakeWorld {
  const scripted = new Map<Method, Answer[]>();
  const calls: FakeWorld['calls'] = [];
  const log: string[] = [];
  const call =
    (method: Method) =>
    async (...args: unknown[]): Promise<Answer> => {
      calls.push({ method, args });
      log.push(method);
      const next = scripted.get(method)?.shift();
      if (!next) throw new Error(`unexpected Intercom call: ${method}`);
      return next;
    };
  const intercom = {
    searchContacts: call('searchContacts'),
    createContact: call('createContact'),
    updateContact: call('updateContact'),
    sendEvent: call('sendEvent'),
    tagContact: call('tagContact'),
    untagContact: call('untagContact'),
  } as unknown as IntercomApi;

  const world: Omit<FakeWorld, 'ctx' | 'answer'> = {
    calls,
    log,
    sentEvents: [],
    identities: new Map(),
    eventTypes: { active: new Set(), rejected: new Set(), released: [], used: [], limit: 120 },
    identifyHashes: new Map(),
    refusedAttributes: new Set(),
  };
  const key = (field: string, value: string) => `${field}:${value}`;
  const { eventTypes } = world;

  const ctx: DeliveryContext = {
    workspaceId: 'ws1',
    token: 'tok',
    settings: destinationSettingsSchema.parse({ status: 'enabled', ...settings }),
    intercom,
    identities: {
      get: async (field, value) => world.identities.get(key(field, value)) ?? { state: 'unknown' },
      remember: async (field, value, contactId) => {
        world.identities.set(key(field, value), contactId ? { state: 'found', contactId } : { state: 'missing' });
      },
      forget: async (field, value) => {
        world.identities.delete(key(field, value));
      },
    },
    eventTypes: {
      check: async (name) =>
        eventTypes.rejected.has(name)
          ? 'rejected'
          : eventTypes.active.has(name)
            ? 'active'
            : eventTypes.active.size < eventTypes.limit
              ? 'room'
              : 'full',
      admit: async (name) => {
        if (eventTypes.active.has(name)) return { admitted: true, fresh: false };
        if (eventTypes.rejected.has(name) || eventTypes.active.size >= eventTypes.limit)
          return { admitted: false, fresh: false };
        eventTypes.active.add(name);
        return { admitted: true, fresh: true };
      },
      used: async (name) => void eventTypes.used.push(name),
      release: async (name) => {
        eventTypes.active.delete(name);
        eventTypes.released.push(name);
      },
      reject: async (name) => {
        eventTypes.active.delete(name);
        eventTypes.rejected.add(name);
      },
    },
    attributes: {
      ensure: async (types) => {
        const names = Object.keys(types);
        return {
          available: new Set(names.filter((n) => !world.refusedAttributes.has(n))),
          refused: names
            .filter((n) => world.refusedAttributes.has(n))
            .map((name) => ({ name, reason: 'attribute_limit' })),
        };
      },
    },
    identifyHashes: {
      unchanged: async (lookup, hash) => {
        const entry = world.identifyHashes.get(key(lookup.field, lookup.value));
        return entry?.hash === hash ? entry.contactId : undefined;
      },
      remember: async (lookup, hash, contactId) => {
        world.identifyHashes.set(key(lookup.field, lookup.value), { hash, contactId });
      },
      forget: async (lookup) => {
        world.identifyHashes.delete(key(lookup.field, lookup.value));
      },
    },
    sentEvents: {
      record: async (events) => {
        world.sentEvents.push(...events);
        log.push('ledger');
      },
    },
    policy: {
      metadataKeyLimit: 10,
      parkScheduleMs: [60_000, 300_000],
      parkMaxAgeMs: 24 * 3_600_000,
      retryWindowMs: 4 * 3_600_000,
      missingTtlSeconds: 60,
    },
    now: () => NOW,
  };
  return {
    ...world,
    ctx,
    answer: (method, ...answers) => scripted.set(method, [...(scripted.get(method) ?? []), ...answers]),
  };
}

/** A cohort sync's parts in memory: its tags (created on first use, `createTag` logged), member record, cancellations. */
export interface FakeCohort {
  tags: Map<string, string>;
  /** `<cohort>/<user>` → contact id, while a member. */
  members: Map<string, string>;
  /** `<cohort>/<user>` → the last change applied (member or not, when computed). */
  applied: Map<string, { member: boolean; contactId: string | null; changedAt: Date }>;
  /** Waiting additions `cancelWaitingAdditions` will find, by `<cohort>/<user>`. */
  waitingAdditions: Map<string, number>;
  cancelled: string[];
}

export function withCohort(world: FakeWorld, settings: CohortSettingsInput = {}): FakeCohort {
  const cohort: FakeCohort = {
    tags: new Map(),
    members: new Map(),
    applied: new Map(),
    waitingAdditions: new Map(),
    cancelled: [],
  };
  const member = (cohortId: string, userId: string) => `${cohortId}/${userId}`;
  world.ctx.cohort = {
    settings: cohortSettingsSchema.parse({ status: 'enabled', ...settings }),
    tags: {
      ensure: async (cohortId) => {
        let tagId = cohort.tags.get(cohortId);
        if (!tagId) {
          tagId = `tag-${cohort.tags.size + 1}`;
          world.log.push('createTag');
          cohort.tags.set(cohortId, tagId);
        }
        return tagId;
      },
      forget: async (cohortId) => {
        cohort.tags.delete(cohortId);
      },
    },
    record: {
      tag: async (cohortId) => {
        const tagId = cohort.tags.get(cohortId);
        return tagId ? { cohortId, tagId, tagName: 'tag' } : undefined;
      },
      contactOf: async (cohortId, userId) => cohort.members.get(member(cohortId, userId)),
      state: async (cohortId, userId) => {
        const key = member(cohortId, userId);
        return (
          cohort.applied.get(key) ??
          (cohort.members.has(key)
            ? { member: true, contactId: cohort.members.get(key)!, changedAt: new Date(0) }
            : undefined)
        );
      },
      tagged: async (cohortId, userId, contactId, changedAt) => {
        cohort.members.set(member(cohortId, userId), contactId);
        cohort.applied.set(member(cohortId, userId), { member: true, contactId, changedAt });
      },
      untagged: async (cohortId, userId, contactId, changedAt) => {
        cohort.applied.set(member(cohortId, userId), { member: false, contactId, changedAt });
        return cohort.members.delete(member(cohortId, userId));
      },
      // Cohorts share a tag when a test gives them the same tag id in `tags`.
      tagHeldByOtherCohort: async (tag, userId) =>
        [...cohort.tags].some(
          ([cohortId, tagId]) =>
            cohortId !== tag.cohortId && tagId === tag.tagId && cohort.members.has(member(cohortId, userId)),
        ),
    },
    cancelWaitingAdditions: async ({ cohortId, userId }) => {
      const n = cohort.waitingAdditions.get(member(cohortId, userId)) ?? 0;
      cohort.waitingAdditions.delete(member(cohortId, userId));
      if (n > 0) cohort.cancelled.push(member(cohortId, userId));
      return n;
    },
  };
  return cohort;
}

let nextRowId = 1;

/** An outbox row as the lane hands it to an action. */
export function outboxRow(kind: OutboxRow['kind'], payload: object, overrides: Partial<OutboxRow> = {}): OutboxRow {
  return {
    id: nextRowId++,
    insertId: `insert-${nextRowId}`,
    kind,
    payload: payload as Record<string, unknown>,
    userKey: 'user:user-42',
    receivedAt: new Date(NOW - 1_000),
    attempts: 1,
    parkedSince: null,
    ...overrides,
  };
}
