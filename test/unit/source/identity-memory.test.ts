import { describe, expect, it } from 'vitest';
import {
  batchKnowledge,
  contactsToLookUp,
  identityCounters,
  identityOfContact,
  identityResolutionView,
  memoryWrites,
  planIdentities,
  resolveIdentities,
  settleIdentities,
  type Remembered,
} from '../../../src/source/identity-memory';
import type { ResolvedIdentity } from '../../../src/source/identity';
import { contactV2, conversationV2, notification, userV1 } from './fixtures';

const CONTACT = '6961d43b372591e999b3ea56';
const withEmail = (id: number, at = 100) => ({
  id,
  payload: notification('contact.user.updated', contactV2({ id: CONTACT, email: 'Fay@Example.com' }), {
    created_at: at,
  }),
});
/** An admin-started conversation: the contact is named by id and external_id, without an email. */
const withoutEmail = (id: number, contactId = CONTACT, externalId: string | null = 'u-7') => ({
  id,
  payload: notification(
    'conversation.admin.single.created',
    conversationV2([], {
      source: { type: 'conversation', author: { type: 'admin', id: '1957471' } },
      contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId, external_id: externalId }] },
    }),
  ),
});
const deleted = (id: number, contactId = CONTACT) => ({
  id,
  payload: notification('contact.deleted', { type: 'contact', id: contactId, external_id: 'u-7', deleted: true }),
});
const fay: ResolvedIdentity = { userId: 'Fay@Example.com', source: 'email' };

describe('identity memory: the pure rules', () => {
  it('plans each supported row from its payload and leaves unsupported topics out', () => {
    const plan = planIdentities(
      [withEmail(1), withoutEmail(2), { id: 3, payload: notification('company.created', {}) }],
      'email',
    );
    expect(plan).toEqual([
      { rowId: 1, contactId: CONTACT, mapped: fay, fallback: { userId: 'u-1055', source: 'user_id' }, at: 100 },
      expect.objectContaining({
        rowId: 2,
        contactId: CONTACT,
        mapped: null,
        fallback: { userId: 'u-7', source: 'user_id' },
      }),
    ]);
  });

  it("the batch's newest payload is what it knows about a contact", () => {
    const older = { ...withEmail(1, 50) };
    const newer = {
      id: 2,
      payload: notification('contact.user.updated', contactV2({ id: CONTACT, email: 'fay@new.example' }), {
        created_at: 60,
      }),
    };
    const known = batchKnowledge(planIdentities([newer, older], 'email'));
    expect(known.get(CONTACT)).toEqual({ userId: 'fay@new.example', source: 'email' });
  });

  it('payload, then memory (the batch, then what was remembered), then lookup, then fallback', () => {
    const plan = planIdentities(
      [
        withoutEmail(1, 'c-known'),
        withoutEmail(2, 'c-remembered'),
        withoutEmail(3, 'c-looked'),
        withoutEmail(4, 'c-none'),
        withEmail(5),
      ],
      'email',
    );
    const known = new Map([['c-known', fay]]);
    const remembered = new Map<string, Remembered>([['c-remembered', { userId: 'Old@Example.com', expiresAt: 0 }]]);
    expect(contactsToLookUp(plan, known, remembered)).toEqual(['c-looked', 'c-none']);
    const lookedUp = new Map<string, ResolvedIdentity | null>([
      ['c-looked', { userId: 'Looked@Example.com', source: 'email' }],
      ['c-none', null],
    ]);
    const settled = settleIdentities(plan, 'email', known, remembered, lookedUp);
    expect(Object.fromEntries(settled)).toEqual({
      1: { identity: fay, how: 'memory' },
      2: { identity: { userId: 'Old@Example.com', source: 'email' }, how: 'memory' },
      3: { identity: { userId: 'Looked@Example.com', source: 'email' }, how: 'lookup' },
      4: { identity: { userId: 'u-7', source: 'user_id' }, how: 'fallback' },
      5: { identity: fay, how: 'payload' },
    });
  });

  it('a contact remembered as having no value is not looked up again, and falls back', () => {
    const plan = planIdentities([withoutEmail(1)], 'email');
    const remembered = new Map<string, Remembered>([[CONTACT, { userId: null, expiresAt: 0 }]]);
    expect(contactsToLookUp(plan, new Map(), remembered)).toEqual([]);
    expect(settleIdentities(plan, 'email', new Map(), remembered, new Map()).get(1)).toEqual({
      identity: { userId: 'u-7', source: 'user_id' },
      how: 'fallback',
    });
  });

  it('under the user_id mapping there is no fallback: nothing found means no identity', () => {
    const plan = planIdentities([withoutEmail(1, CONTACT, null)], 'user_id');
    expect(settleIdentities(plan, 'user_id', new Map(), new Map(), new Map()).get(1)).toEqual({ identity: null });
  });

  it('a minimal *.deleted payload under the email mapping takes the remembered email', () => {
    const plan = planIdentities([deleted(1)], 'email');
    const remembered = new Map<string, Remembered>([[CONTACT, { userId: 'Fay@Example.com', expiresAt: 0 }]]);
    expect(settleIdentities(plan, 'email', new Map(), remembered, new Map()).get(1)).toEqual({
      identity: fay,
      how: 'memory',
    });
  });

  it('writes only what changed or is past half its life, and every lookup answer', () => {
    const now = 1_000_000;
    const ttlMs = 1_000;
    const known = new Map([
      ['same-fresh', fay],
      ['same-stale', fay],
      ['changed', fay],
      ['new', fay],
    ]);
    const remembered = new Map<string, Remembered>([
      ['same-fresh', { userId: fay.userId, expiresAt: now + 900 }],
      ['same-stale', { userId: fay.userId, expiresAt: now + 400 }],
      ['changed', { userId: 'other@example.com', expiresAt: now + 900 }],
    ]);
    const lookedUp = new Map<string, ResolvedIdentity | null>([
      ['found', fay],
      ['none', null],
    ]);
    expect(memoryWrites(known, remembered, lookedUp, { now, ttlMs, noneTtlMs: 10 })).toEqual([
      { contactId: 'same-stale', userId: fay.userId, ttlMs },
      { contactId: 'changed', userId: fay.userId, ttlMs },
      { contactId: 'new', userId: fay.userId, ttlMs },
      { contactId: 'found', userId: fay.userId, ttlMs },
      { contactId: 'none', userId: null, ttlMs: 10 },
    ]);
  });

  it("a looked-up contact's identity follows the mapping, and a lead has no user id", () => {
    expect(identityOfContact(contactV2({ email: ' Fay@Example.com ' }), 'email')).toEqual(fay);
    expect(identityOfContact(contactV2(), 'user_id')).toEqual({ userId: 'u-1055', source: 'user_id' });
    expect(identityOfContact(contactV2({ role: 'lead', external_id: 'generated' }), 'user_id')).toBeNull();
  });

  it('without a database it still uses the batch: one payload with the email names the others', async () => {
    const resolved = await resolveIdentities([withoutEmail(1), withEmail(2), deleted(3)], 'email', undefined);
    expect(resolved.get(1)).toEqual({ identity: fay, how: 'memory' });
    expect(resolved.get(3)).toEqual({ identity: fay, how: 'memory' });
    expect(resolved.get(2)).toEqual({ identity: fay, how: 'payload' });
  });

  it('counts delivered rows by how their identity was found, and shows all four in status', () => {
    const identities = new Map([
      [1, { identity: fay, how: 'payload' as const }],
      [2, { identity: fay, how: 'memory' as const }],
      [3, { identity: fay, how: 'memory' as const }],
      [4, { identity: null }],
    ]);
    const counters = identityCounters(identities, [1, 2, 3, 4, 99]);
    expect(counters).toEqual({ 'identity:payload': 1, 'identity:memory': 2 });
    expect(identityResolutionView({ ...counters, delivered: 3 })).toEqual({
      payload: 1,
      memory: 2,
      lookup: 0,
      fallback: 0,
    });
  });

  it('1.x user objects are remembered by their Intercom id', () => {
    const plan = planIdentities([{ id: 1, payload: notification('user.created', userV1()) }], 'user_id');
    expect(batchKnowledge(plan).get('5c9ab3e78cd7330140ce5033')).toEqual({ userId: '25', source: 'user_id' });
  });
});
