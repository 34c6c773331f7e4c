import { describe, expect, it } from 'vitest';
import { INVALID_ID_VALUES } from '../../../src/amplitude/protocol/limits';
import { toAmplitudeEvent, type IdentityMapping } from '../../../src/source/transform';
import { contactV2, dataEvent, notification, userV1 } from './fixtures';

const identify = (item: Record<string, unknown>, identityMapping: IdentityMapping, topic = 'contact.user.updated') =>
  toAmplitudeEvent(notification(topic, item), { identityMapping });

describe('identity mapping', () => {
  const both = contactV2({ external_id: 'u-1055', email: 'ada@example.com' });
  const idOnly = contactV2({ external_id: 'u-1055', email: null });
  const emailOnly = contactV2({ external_id: null, email: 'ada@example.com' });
  const neither = contactV2({ external_id: null, email: null });

  it("'user_id' uses the customer's own user id", () => {
    expect(identify(both, 'user_id')).toMatchObject({
      kind: 'event',
      identity: { userId: 'u-1055', source: 'user_id' },
    });
  });

  it("'user_id' never falls back to email", () => {
    expect(identify(emailOnly, 'user_id')).toEqual({ kind: 'dropped', reason: 'no_identity' });
  });

  it("'email' uses the email when there is one", () => {
    expect(identify(both, 'email')).toMatchObject({
      kind: 'event',
      identity: { userId: 'ada@example.com', source: 'email' },
    });
  });

  it("'email' falls back to the user id when the item has no email (Amplitude's documented rule)", () => {
    expect(identify(idOnly, 'email')).toMatchObject({
      kind: 'event',
      identity: { userId: 'u-1055', source: 'user_id' },
    });
  });

  it('drops the event when there is neither, under both mappings', () => {
    expect(identify(neither, 'email')).toEqual({ kind: 'dropped', reason: 'no_identity' });
    expect(identify(neither, 'user_id')).toEqual({ kind: 'dropped', reason: 'no_identity' });
  });

  it("never uses Intercom's internal id as the user id", () => {
    expect(neither.id).toBeTruthy();
    expect(identify(neither, 'user_id')).toMatchObject({ kind: 'dropped' });
  });

  it('reads the 1.x user_id field as the user id', () => {
    expect(identify(userV1({ user_id: '25' }), 'user_id', 'user.created')).toMatchObject({
      identity: { userId: '25' },
    });
  });

  it('keeps short ids: the delivery side sets min_id_length rather than losing them', () => {
    expect(identify(contactV2({ external_id: '1' }), 'user_id')).toMatchObject({ identity: { userId: '1' } });
  });

  it('accepts numeric ids and trims whitespace', () => {
    expect(identify(userV1({ user_id: 4711 }), 'user_id', 'user.created')).toMatchObject({
      identity: { userId: '4711' },
    });
    expect(identify(contactV2({ external_id: '  u-9  ' }), 'user_id')).toMatchObject({ identity: { userId: 'u-9' } });
  });

  it('trims and lower-cases emails', () => {
    expect(identify(contactV2({ email: '  Ada.Lovelace@EXAMPLE.com\n' }), 'email')).toMatchObject({
      identity: { userId: 'ada.lovelace@example.com' },
    });
  });
});

describe("Amplitude's invalid id strings", () => {
  const invalid = [
    'anonymous',
    'nil',
    'none',
    'null',
    'n/a',
    'na',
    'undefined',
    'unknown',
    '',
    '""',
    '00000000-0000-0000-0000-000000000000',
    '{}',
    'lmy47d',
    '0',
    '-1',
  ];

  it('covers the documented list', () => {
    expect([...INVALID_ID_VALUES].sort()).toEqual([...invalid].sort());
  });

  it.each(invalid)('treats user id %j as missing', (value) => {
    expect(identify(contactV2({ external_id: value, email: null }), 'user_id')).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
    expect(identify(contactV2({ external_id: value, email: 'ada@example.com' }), 'email')).toMatchObject({
      identity: { userId: 'ada@example.com', source: 'email' },
    });
  });

  it.each(invalid)('treats email %j as missing and falls back to the user id', (value) => {
    expect(identify(contactV2({ external_id: 'u-1055', email: value }), 'email')).toMatchObject({
      identity: { userId: 'u-1055', source: 'user_id' },
    });
  });

  it('matches them case-insensitively and after trimming', () => {
    for (const value of ['NULL', ' Unknown ', 'N/A', 'LMY47D', ' -1 ']) {
      expect(identify(contactV2({ external_id: value, email: null }), 'user_id')).toMatchObject({ kind: 'dropped' });
    }
  });

  it('applies to numeric 0 and -1 too', () => {
    expect(identify(dataEvent({ user_id: 0, email: null }), 'user_id', 'event.created')).toMatchObject({
      kind: 'dropped',
    });
    expect(identify(dataEvent({ user_id: -1, email: null }), 'user_id', 'event.created')).toMatchObject({
      kind: 'dropped',
    });
  });
});
