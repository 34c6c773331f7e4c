import { describe, expect, it } from 'vitest';
import { performCreateUpdateUser } from '../../../../../src/destination/actions/create-update-user/perform';
import { deliverRow } from '../../../../../src/destination/deliver-row';
import { answered, failedWith, fakeDeliveryWorld, outboxRow } from '../../../../../testkit/fake-delivery-context';

const usersOn = { createUpdateUsers: { enabled: true, userProperties: ['plan'] } };
const identify = { userId: 'user-42', set: { plan: 'pro' }, setOnce: {}, unset: [] };
const noContacts = answered({ type: 'list', data: [] });
const contact = (id: string) => answered({ type: 'contact', id, role: 'user' });

describe('Create & Update Users: perform', () => {
  it("creates the contact when none exists, and releases the user's parked events", async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.answer('searchContacts', noContacts);
    world.answer('createContact', contact('c-1'));
    const row = outboxRow('identify', identify);
    const result = await performCreateUpdateUser(world.ctx, row);
    expect(result).toEqual({
      outcome: { id: row.id, kind: 'delivered' },
      counters: { contacts_created: 1, identified: 1 },
      unparkUserKey: row.userKey,
    });
    expect(world.calls[1]!.args[1]).toEqual({
      role: 'user',
      external_id: 'user-42',
      custom_attributes: { plan: 'pro' },
    });
    expect(world.identities.get('external_id:user-42')).toEqual({ state: 'found', contactId: 'c-1' });
  });

  it('updates the contact it finds, and makes no call for the same identify again', async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.answer('searchContacts', answered({ type: 'list', data: [{ type: 'contact', id: 'c-7', role: 'user' }] }));
    world.answer('updateContact', contact('c-7'));
    const first = await performCreateUpdateUser(world.ctx, outboxRow('identify', identify));
    expect(first.counters).toEqual({ contacts_updated: 1, identified: 1 });
    expect(world.calls[1]!.args[1]).toBe('c-7');
    const again = await performCreateUpdateUser(world.ctx, outboxRow('identify', identify));
    expect(again.counters).toEqual({ identifies_unchanged: 1 });
    expect(world.calls).toHaveLength(2);
  });

  it('updates the contact a 409 names (search lags behind writes), and skips an archived one', async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.answer('searchContacts', noContacts, noContacts);
    world.answer(
      'createContact',
      failedWith({
        status: 409,
        code: 'conflict',
        message: 'A contact matching those details already exists with id=c-9',
      }),
      failedWith({
        status: 409,
        code: 'conflict',
        message: 'An archived contact matching those details already exists with id=c-10',
      }),
    );
    world.answer('updateContact', contact('c-9'));
    const resolved = await performCreateUpdateUser(world.ctx, outboxRow('identify', identify));
    expect(resolved.counters).toEqual({ contacts_updated: 1, conflicts_resolved: 1, identified: 1 });
    const archived = outboxRow('identify', { ...identify, set: { plan: 'team' } });
    world.identities.clear();
    expect((await performCreateUpdateUser(world.ctx, archived)).outcome).toEqual({
      id: archived.id,
      kind: 'skipped',
      reason: 'archived_contact',
    });
  });

  it('creates the contact again when the cached one was deleted or merged', async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.identities.set('external_id:user-42', { state: 'found', contactId: 'gone' });
    world.answer('updateContact', failedWith({ status: 404, code: 'not_found', message: 'User Not Found' }));
    world.answer('createContact', contact('c-2'));
    const result = await performCreateUpdateUser(world.ctx, outboxRow('identify', identify));
    expect(result.counters).toEqual({ contacts_created: 1, identified: 1 });
    expect(world.calls.map((c) => c.method)).toEqual(['updateContact', 'createContact']);
  });

  it('leaves out attributes Intercom cannot create, and does not remember the incomplete write', async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.refusedAttributes.add('plan');
    world.answer('searchContacts', noContacts);
    world.answer('createContact', contact('c-3'));
    const result = await performCreateUpdateUser(world.ctx, outboxRow('identify', identify));
    expect(result.counters).toMatchObject({ 'attributes_refused:attribute_limit': 1, contacts_created: 1 });
    expect(world.calls[1]!.args[1]).toMatchObject({ custom_attributes: {} });
    expect(world.identifyHashes.size).toBe(0);
  });

  it('a refusal is skipped with what Intercom said; a contact gone after its 409 is a refusal too', async () => {
    const world = fakeDeliveryWorld(usersOn);
    world.answer('searchContacts', noContacts, noContacts);
    world.answer(
      'createContact',
      failedWith({ status: 400, code: 'parameter_invalid', message: 'bad' }),
      failedWith({
        status: 409,
        code: 'conflict',
        message: 'A contact matching those details already exists with id=c-4',
      }),
    );
    world.answer('updateContact', failedWith({ status: 404, code: 'not_found', message: 'User Not Found' }));
    expect((await deliverRow(world.ctx, outboxRow('identify', identify))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'intercom_rejected',
      error: 'Intercom answered 400: parameter_invalid bad',
    });
    expect((await deliverRow(world.ctx, outboxRow('identify', identify))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'intercom_rejected',
    });
  });

  it('skips identifies while the action is off', async () => {
    const world = fakeDeliveryWorld();
    expect((await deliverRow(world.ctx, outboxRow('identify', identify))).outcome).toMatchObject({
      kind: 'skipped',
      reason: 'create_update_users_disabled',
    });
  });
});
