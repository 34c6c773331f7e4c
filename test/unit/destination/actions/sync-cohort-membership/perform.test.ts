import { describe, expect, it } from 'vitest';
import {
  performCohortMembership,
  prepareCohortMembership,
} from '../../../../../src/destination/actions/sync-cohort-membership/perform';
import type { MembershipChange } from '../../../../../src/cohort/webhook-payload';
import {
  answered,
  failedWith,
  fakeDeliveryWorld,
  NOW,
  outboxRow,
  withCohort,
} from '../../../../../testkit/fake-delivery-context';

const change = (inCohort: boolean, userId = 'user-42', extra: Partial<MembershipChange> = {}): MembershipChange => ({
  cohortId: 'coh1',
  cohortName: 'Power users',
  userId,
  inCohort,
  messageId: 'm1',
  computedTime: Math.floor(NOW / 1000) - 10,
  ...extra,
});
const found = (id: string) => answered({ type: 'list', data: [{ type: 'contact', id, role: 'user' }] });
const none = answered({ type: 'list', data: [] });
const tag = answered({ type: 'tag', id: 'tag-1', name: 'Amplitude: Power users' });

describe('sync cohort membership', () => {
  it('tags the contact found by external id, creating the tag once, and records the member', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    world.answer('searchContacts', found('c1'), found('c2'));
    world.answer('tagContact', tag, tag);
    const first = await performCohortMembership(world.ctx, outboxRow('membership', change(true, 'u1')));
    const second = await performCohortMembership(world.ctx, outboxRow('membership', change(true, 'u2')));
    expect([first.outcome.kind, second.outcome.kind]).toEqual(['delivered', 'delivered']);
    expect(first.counters).toEqual({ members_added: 1 });
    expect(world.log.filter((l) => l === 'createTag')).toHaveLength(1);
    expect(world.calls.filter((c) => c.method === 'tagContact').map((c) => c.args.slice(1))).toEqual([
      ['c1', 'tag-1'],
      ['c2', 'tag-1'],
    ]);
    expect(cohort.members).toEqual(
      new Map([
        ['coh1/u1', 'c1'],
        ['coh1/u2', 'c2'],
      ]),
    );
  });

  it('parks a member whose contact does not exist (and counts the park once)', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.answer('searchContacts', none);
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(true)));
    expect(result.outcome).toMatchObject({ kind: 'later', reason: 'contact_not_found', parked: true });
    expect(result.counters).toEqual({ parked: 1 });
    expect(world.calls.map((c) => c.method)).toEqual(['searchContacts']);
  });

  it('expires a member parked longer than the maximum age as contact_not_found', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.identities.set('external_id:user-42', { state: 'missing' });
    const row = outboxRow('membership', change(true), { parkedSince: new Date(NOW - 25 * 3_600_000) });
    const result = await performCohortMembership(world.ctx, row);
    expect(result.outcome).toMatchObject({ kind: 'expired', reason: 'contact_not_found' });
  });

  it('parks again when Intercom no longer knows the contact it found (deleted or merged)', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.identities.set('external_id:user-42', { state: 'found', contactId: 'gone' });
    world.answer('tagContact', failedWith({ status: 404, code: 'not_found', message: 'User Not Found' }));
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(true)));
    expect(result.outcome).toMatchObject({ kind: 'later', parked: true });
    expect(world.identities.has('external_id:user-42')).toBe(false);
  });

  it('creates the tag again when it was deleted in Intercom', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    cohort.tags.set('coh1', 'deleted-tag');
    world.identities.set('external_id:user-42', { state: 'found', contactId: 'c1' });
    world.answer('tagContact', failedWith({ status: 404, code: 'not_found', message: 'Resource Not Found' }), tag);
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(true)));
    expect(result.outcome.kind).toBe('delivered');
    expect(world.calls.map((c) => c.args[2])).toEqual(['deleted-tag', 'tag-1']);
  });

  it('retries a rate-limited tag call after the pause Intercom asked for', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.identities.set('external_id:user-42', { state: 'found', contactId: 'c1' });
    world.answer('tagContact', failedWith({ status: 429, message: 'Too many requests' }, { resetAt: NOW + 4_000 }));
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(true)));
    expect(result.outcome).toMatchObject({ kind: 'later', reason: 'rate_limited', delayMs: 4_000 });
  });

  it('a removal cancels waiting additions, untags the recorded contact and forgets the member', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    cohort.tags.set('coh1', 'tag-1');
    cohort.members.set('coh1/user-42', 'c9');
    cohort.waitingAdditions.set('coh1/user-42', 1);
    world.answer('untagContact', tag);
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(false)));
    expect(result.outcome.kind).toBe('delivered');
    expect(result.counters).toEqual({ members_removed: 1, 'skipped:cancelled_by_removal': 1 });
    expect(world.calls.map((c) => [c.method, ...c.args.slice(1)])).toEqual([['untagContact', 'c9', 'tag-1']]);
    expect(cohort.members.size).toBe(0);
  });

  it('a removal of someone never tagged, whose contact does not exist, is skipped as not_tagged', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    cohort.tags.set('coh1', 'tag-1');
    cohort.waitingAdditions.set('coh1/user-42', 1);
    world.answer('searchContacts', none);
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(false)));
    expect(result.outcome).toMatchObject({ kind: 'skipped', reason: 'not_tagged' });
    expect(result.counters).toEqual({ 'skipped:cancelled_by_removal': 1 });
    expect(cohort.cancelled).toEqual(['coh1/user-42']);
  });

  it('a removal leaves a tag another cohort still gives the member; the last one to remove them untags', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world, { tagName: 'VIP' });
    // One tag for both cohorts (the sync names it for all of them); the member is in both.
    cohort.tags.set('coh1', 'tag-1');
    cohort.tags.set('coh2', 'tag-1');
    cohort.members.set('coh1/user-42', 'c9');
    cohort.members.set('coh2/user-42', 'c9');
    const kept = await performCohortMembership(world.ctx, outboxRow('membership', change(false)));
    expect(kept.outcome).toMatchObject({ kind: 'skipped', reason: 'tag_held_by_other_cohort' });
    expect(world.calls.filter((c) => c.method === 'untagContact')).toHaveLength(0);
    expect(cohort.applied.get('coh1/user-42')).toMatchObject({ member: false }); // out of coh1 all the same

    world.answer('untagContact', tag);
    const removed = await performCohortMembership(
      world.ctx,
      outboxRow('membership', change(false, 'user-42', { cohortId: 'coh2' })),
    );
    expect(removed.outcome.kind).toBe('delivered');
    expect(removed.counters).toEqual({ members_removed: 1 });
    expect(world.calls.map((c) => [c.method, ...c.args.slice(1)])).toEqual([['untagContact', 'c9', 'tag-1']]);
    expect(cohort.members.size).toBe(0);
  });

  it('a removal of a contact that no longer carries the tag counts as done when we had tagged it', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    cohort.tags.set('coh1', 'tag-1');
    cohort.members.set('coh1/user-42', 'c9');
    world.answer('untagContact', failedWith({ status: 404, code: 'not_found', message: 'Resource Not Found' }));
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(false)));
    expect(result.outcome.kind).toBe('delivered');
    expect(cohort.members.size).toBe(0);
  });

  it('skips a member the mapping cannot identify, with the reason', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world, { mapping: { intercomUser: 'email', from: { kind: 'user_id' } } });
    const result = await performCohortMembership(world.ctx, outboxRow('membership', change(true, 'not-an-email')));
    expect(result.outcome).toMatchObject({ kind: 'skipped', reason: 'invalid_email' });
    expect(world.calls).toEqual([]);
  });
});

describe('prepare: bulk lookup of the members entering', () => {
  const contact = (id: string, externalId: string, role = 'user') => ({
    type: 'contact',
    id,
    external_id: externalId,
    role,
  });

  it('finds unknown contacts with one IN search, remembering who exists and who does not', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.identities.set('external_id:known', { state: 'found', contactId: 'c0' });
    world.answer(
      'searchContacts',
      answered({ type: 'list', data: [contact('lead-a', 'a', 'lead'), contact('c-a', 'a'), contact('c-b', 'b')] }),
    );
    const rows = [
      outboxRow('membership', change(true, 'a')),
      outboxRow('membership', change(true, 'b')),
      outboxRow('membership', change(true, 'gone')),
      outboxRow('membership', change(true, 'known')),
      outboxRow('membership', change(false, 'leaving')),
      outboxRow('membership', change(true, 'parked'), { parkedSince: new Date(NOW - 60_000) }),
    ];
    await prepareCohortMembership(world.ctx, rows);
    expect(world.calls).toHaveLength(1);
    expect(world.calls[0]!.args[1]).toEqual({ field: 'external_id', operator: 'IN', value: ['a', 'b', 'gone'] });
    expect(world.identities.get('external_id:a')).toEqual({ state: 'found', contactId: 'c-a' });
    expect(world.identities.get('external_id:b')).toEqual({ state: 'found', contactId: 'c-b' });
    expect(world.identities.get('external_id:gone')).toEqual({ state: 'missing' });
    // The rows then cost one call each: the tag.
    world.answer('tagContact', tag);
    const result = await performCohortMembership(world.ctx, rows[0]!);
    expect(result.outcome.kind).toBe('delivered');
    expect(world.calls.map((c) => c.method)).toEqual(['searchContacts', 'tagContact']);
  });

  it('remembers nobody as missing from an answer cut short, and gives up quietly when the search fails', async () => {
    const world = fakeDeliveryWorld();
    withCohort(world);
    world.answer(
      'searchContacts',
      answered({ type: 'list', data: [contact('c-a', 'a')], pages: { next: { starting_after: 'x' } } }),
    );
    await prepareCohortMembership(world.ctx, [
      outboxRow('membership', change(true, 'a')),
      outboxRow('membership', change(true, 'b')),
    ]);
    expect(world.identities.get('external_id:a')).toEqual({ state: 'found', contactId: 'c-a' });
    expect(world.identities.has('external_id:b')).toBe(false);

    const failing = fakeDeliveryWorld();
    withCohort(failing);
    failing.answer('searchContacts', failedWith({ status: 503, message: 'unavailable' }));
    await prepareCohortMembership(failing.ctx, [outboxRow('membership', change(true, 'a'))]);
    expect(failing.identities.size).toBe(0);
  });
});

describe('order: the change Amplitude computed last wins', () => {
  it('skips a removal computed before the addition already applied', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    cohort.tags.set('coh1', 'tag-1');
    cohort.members.set('coh1/user-42', 'c9');
    cohort.applied.set('coh1/user-42', { member: true, contactId: 'c9', changedAt: new Date(NOW) });
    const late = change(false, 'user-42', { computedTime: Math.floor(NOW / 1000) - 60 });
    const result = await performCohortMembership(world.ctx, outboxRow('membership', late));
    expect(result.outcome).toMatchObject({ kind: 'skipped', reason: 'superseded' });
    expect(world.calls).toEqual([]);
    expect(cohort.members.get('coh1/user-42')).toBe('c9');
  });

  it('skips an addition computed before a removal already applied, even one that found nobody to untag', async () => {
    const world = fakeDeliveryWorld();
    const cohort = withCohort(world);
    world.answer('searchContacts', none);
    const removal = change(false, 'user-42', { computedTime: Math.floor(NOW / 1000) });
    expect((await performCohortMembership(world.ctx, outboxRow('membership', removal))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'not_tagged',
    });
    expect(cohort.applied.get('coh1/user-42')).toMatchObject({ member: false });
    const late = change(true, 'user-42', { computedTime: Math.floor(NOW / 1000) - 60 });
    const result = await performCohortMembership(world.ctx, outboxRow('membership', late));
    expect(result.outcome).toMatchObject({ kind: 'skipped', reason: 'superseded' });
    expect(world.calls.map((c) => c.method)).toEqual(['searchContacts']);
  });
});
