import { describe, expect, it } from 'vitest';
import { INVALID_ID_VALUES } from '../../../src/amplitude/protocol/limits';
import { toAmplitudeEvent } from '../../../src/source/transform';
import { type IdentityMapping } from '../../../src/source/identity';
import { contactV2, dataEvent, leadV1, notification, userV1 } from './fixtures';

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

  it('trims emails and keeps their case: Amplitude user ids are case-sensitive (Fay@Example.com stays Fay@Example.com)', () => {
    expect(identify(contactV2({ email: '  Ada.Lovelace@EXAMPLE.com\n' }), 'email')).toMatchObject({
      identity: { userId: 'Ada.Lovelace@EXAMPLE.com' },
    });
    expect(identify(contactV2({ email: 'Fay@Example.com' }), 'email')).toMatchObject({
      identity: { userId: 'Fay@Example.com' },
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

describe('leads and visitors: an anonymous Intercom id never becomes a user id', () => {
  const visitorV1 = userV1({
    type: 'visitor',
    id: '5c96b0f5177026171b401d9b',
    user_id: '2c1b7a3e-70b5-4f41-9f2b-62c4bd0f1b1f',
    anonymous: true,
    email: null,
  });

  it.each([
    ['1.x lead (type contact, anonymous UUID in user_id)', 'contact.created', leadV1()],
    ['1.x lead without the anonymous flag', 'contact.created', leadV1({ anonymous: undefined })],
    ['1.x visitor', 'visitor.signed_up', visitorV1],
    ['2.x lead (role lead)', 'contact.lead.created', contactV2({ role: 'lead', external_id: 'f4a2c1d0-lead' })],
  ])('%s: dropped under the user_id mapping', (_what, topic, item) => {
    expect(identify(item, 'user_id', topic)).toEqual({ kind: 'dropped', reason: 'no_identity' });
  });

  it('under the email mapping a lead with an email is that email, and one without is dropped (no fallback to its UUID)', () => {
    expect(identify(leadV1(), 'email', 'contact.created')).toMatchObject({
      identity: { userId: 'aaron@zulip.com', source: 'email' },
    });
    expect(identify(leadV1({ email: null }), 'email', 'contact.created')).toEqual({
      kind: 'dropped',
      reason: 'no_identity',
    });
  });

  it("a 2.x minimal payload ({type:'contact', external_id}) is not mistaken for a 1.x lead", () => {
    const minimal = { type: 'contact', id: '696122fb2591e0cadd20073a', external_id: 'u-7', deleted: true };
    expect(identify(minimal, 'user_id', 'contact.deleted')).toMatchObject({ identity: { userId: 'u-7' } });
  });

  it('users keep their id, 1.x and 2.x', () => {
    expect(identify(userV1(), 'user_id', 'user.created')).toMatchObject({ identity: { userId: '25' } });
    expect(identify(contactV2(), 'user_id', 'contact.user.created')).toMatchObject({ identity: { userId: 'u-1055' } });
  });
});
