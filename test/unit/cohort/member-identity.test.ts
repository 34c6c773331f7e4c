import { describe, expect, it } from 'vitest';
import { memberIntercomUser } from '../../../src/cohort/member-identity';
import { cohortMappingSchema } from '../../../src/cohort/settings';

const mapping = (input: unknown) => cohortMappingSchema.parse(input);

describe('memberIntercomUser', () => {
  it('maps the user id to External ID by default', () => {
    expect(memberIntercomUser({ userId: ' u-1 ' }, mapping({}))).toEqual({ field: 'external_id', value: 'u-1' });
  });

  it('reads an email from the user id or a user property, normalised for matching', () => {
    expect(memberIntercomUser({ userId: 'Ada@Example.com' }, mapping({ intercomUser: 'email' }))).toEqual({
      field: 'email',
      value: 'ada@example.com',
    });
    const fromProperty = mapping({ intercomUser: 'email', from: { kind: 'user_property', name: 'mail' } });
    expect(memberIntercomUser({ userId: 'u', userProperties: { mail: 'g@x.io' } }, fromProperty)).toEqual({
      field: 'email',
      value: 'g@x.io',
    });
  });

  it('names what is missing or invalid instead of falling back to another field', () => {
    const fromProperty = mapping({ from: { kind: 'user_property', name: 'crm_id' } });
    expect(memberIntercomUser({ userId: 'u' }, fromProperty)).toEqual({ error: 'missing_identity' });
    expect(memberIntercomUser({ userId: 'null' }, mapping({}))).toEqual({ error: 'missing_identity' });
    expect(memberIntercomUser({ userId: 'nope' }, mapping({ intercomUser: 'email' }))).toEqual({
      error: 'invalid_email',
    });
    // An inherited key is not a property the member has.
    expect(
      memberIntercomUser(
        { userId: 'u', userProperties: {} },
        mapping({ from: { kind: 'user_property', name: 'toString' } }),
      ),
    ).toEqual({
      error: 'missing_identity',
    });
  });
});
