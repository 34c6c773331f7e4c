import { describe, expect, it } from 'vitest';
import type { NormalizedIdentify, IngestedEvent } from '../../../src/destination/ingested-event';
import { matchableEmail, resolveIntercomUser } from '../../../src/destination/intercom-user';
import type { ContactMapping } from '../../../src/destination/settings';

const event: IngestedEvent = {
  event_type: 'Signed In',
  user_id: ' user-42 ',
  event_properties: { account_email: 'Billing@Example.COM', account_id: 9876 },
  user_properties: { email: '  Ada@Example.com ', crm_id: 'crm-7' },
};

const identify: NormalizedIdentify = {
  userId: 'user-42',
  set: { email: 'new@example.com' },
  setOnce: { email: 'first@example.com', crm_id: 'crm-7' },
  unset: [],
};

const mapping = (
  intercomUser: ContactMapping['intercomUser'],
  from: ContactMapping['from'] = { kind: 'user_id' },
): ContactMapping => ({
  intercomUser,
  from,
});

describe('resolveIntercomUser for events', () => {
  it('defaults to the Amplitude user_id as external_id, trimmed', () => {
    expect(resolveIntercomUser(event, mapping('external_id'))).toEqual({ field: 'external_id', value: 'user-42' });
  });

  it('reads a user property or an event property when mapped to one', () => {
    expect(resolveIntercomUser(event, mapping('external_id', { kind: 'user_property', name: 'crm_id' }))).toEqual({
      field: 'external_id',
      value: 'crm-7',
    });
    expect(resolveIntercomUser(event, mapping('external_id', { kind: 'event_property', name: 'account_id' }))).toEqual({
      field: 'external_id',
      value: '9876',
    });
  });

  it('normalises emails from any source', () => {
    expect(resolveIntercomUser(event, mapping('email', { kind: 'user_property', name: 'email' }))).toEqual({
      field: 'email',
      value: 'ada@example.com',
    });
    expect(resolveIntercomUser(event, mapping('email', { kind: 'event_property', name: 'account_email' }))).toEqual({
      field: 'email',
      value: 'billing@example.com',
    });
  });

  it('rejects a user_id that is not an email when email is the Intercom identifier', () => {
    expect(resolveIntercomUser(event, mapping('email'))).toEqual({ error: 'invalid_email' });
    expect(resolveIntercomUser({ ...event, user_id: 'Ada@Example.com' }, mapping('email'))).toEqual({
      field: 'email',
      value: 'ada@example.com',
    });
  });

  it('reports a missing identity instead of falling back to another field', () => {
    expect(resolveIntercomUser({ event_type: 'x', device_id: 'd-1' }, mapping('external_id'))).toEqual({
      error: 'missing_identity',
    });
    expect(resolveIntercomUser(event, mapping('email', { kind: 'user_property', name: 'work_email' }))).toEqual({
      error: 'missing_identity',
    });
    expect(resolveIntercomUser({ ...event, user_id: null }, mapping('external_id'))).toEqual({
      error: 'missing_identity',
    });
  });

  it.each([
    'null',
    'Anonymous',
    ' undefined ',
    'N/A',
    '0',
    '-1',
    '',
    '   ',
    '""',
    '00000000-0000-0000-0000-000000000000',
    'lmy47d',
    '{}',
  ])('rejects Amplitude placeholder id %j', (id) => {
    expect(resolveIntercomUser({ ...event, user_id: id }, mapping('external_id'))).toEqual({
      error: 'missing_identity',
    });
    expect(resolveIntercomUser({ ...event, user_id: id }, mapping('email'))).toEqual({ error: 'missing_identity' });
  });

  it('does not accept objects or booleans as identifiers', () => {
    const odd: IngestedEvent = { event_type: 'x', event_properties: { id: { nested: 1 }, flag: true } };
    expect(resolveIntercomUser(odd, mapping('external_id', { kind: 'event_property', name: 'id' }))).toEqual({
      error: 'missing_identity',
    });
    expect(resolveIntercomUser(odd, mapping('external_id', { kind: 'event_property', name: 'flag' }))).toEqual({
      error: 'missing_identity',
    });
  });
});

describe('resolveIntercomUser for identifies', () => {
  it('uses userId by default', () => {
    expect(resolveIntercomUser(identify, mapping('external_id'))).toEqual({ field: 'external_id', value: 'user-42' });
  });

  it('prefers $set over $setOnce for a user-property source', () => {
    expect(resolveIntercomUser(identify, mapping('email', { kind: 'user_property', name: 'email' }))).toEqual({
      field: 'email',
      value: 'new@example.com',
    });
    expect(resolveIntercomUser(identify, mapping('external_id', { kind: 'user_property', name: 'crm_id' }))).toEqual({
      field: 'external_id',
      value: 'crm-7',
    });
  });

  it('has no event properties to read', () => {
    expect(resolveIntercomUser(identify, mapping('email', { kind: 'event_property', name: 'email' }))).toEqual({
      error: 'missing_identity',
    });
  });
});

describe('matchableEmail', () => {
  it.each([
    [' Ada.Lovelace+test@Example.co.UK ', 'ada.lovelace+test@example.co.uk'],
    ['a@b.io', 'a@b.io'],
  ])('accepts %j as %j', (input, expected) => {
    expect(matchableEmail(input)).toBe(expected);
  });

  it.each([
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada@@example.com',
    'ada lovelace@example.com',
    'ada@example..com',
    `${'a'.repeat(250)}@b.io`,
  ])('rejects %j', (input) => {
    expect(matchableEmail(input)).toBeUndefined();
  });
});
