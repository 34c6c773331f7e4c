import { describe, expect, it } from 'vitest';
import { echoCandidate, ledgerUserKey } from '../../src/loop-prevention';
import { contactV2, dataEvent, notification } from './source/fixtures';

describe('ledgerUserKey', () => {
  it('prefixes the value with its field', () => {
    expect(ledgerUserKey({ field: 'external_id', value: 'user-42' })).toBe('external_id:user-42');
    expect(ledgerUserKey({ field: 'email', value: 'ada@example.com' })).toBe('email:ada@example.com');
  });
});

describe('echoCandidate', () => {
  it('describes an event.created item in the keys the destination records', () => {
    const item = dataEvent({
      event_name: 'Completed.Order',
      user_id: 'u-1055',
      email: ' Ada@Example.com ',
      created_at: 1768019000,
    });
    expect(echoCandidate(notification('event.created', item))).toEqual({
      eventName: 'completed-order',
      createdAt: 1768019000,
      userKeys: ['external_id:u-1055', 'email:ada@example.com'],
    });
  });

  it('lists only the user keys that exist and are valid', () => {
    expect(echoCandidate(notification('event.created', dataEvent({ user_id: null })))?.userKeys).toEqual([
      'email:jerryguitarist@gmail.com',
    ]);
    expect(echoCandidate(notification('event.created', dataEvent({ email: 'null' })))?.userKeys).toEqual([
      'external_id:12345',
    ]);
    expect(echoCandidate(notification('event.created', dataEvent({ user_id: null, email: null })))?.userKeys).toEqual(
      [],
    );
  });

  it('reads an ISO created_at as whole seconds', () => {
    const item = dataEvent({ created_at: '2026-01-10T04:39:55.465+00:00' });
    expect(echoCandidate(notification('event.created', item))?.createdAt).toBe(1768019995);
  });

  it('is null for other topics and for items missing a name or time', () => {
    expect(echoCandidate(notification('contact.user.created', contactV2()))).toBeNull();
    expect(echoCandidate(notification('event.created', dataEvent({ event_name: '' })))).toBeNull();
    expect(echoCandidate(notification('event.created', dataEvent({ created_at: null })))).toBeNull();
  });
});
