import { describe, expect, it } from 'vitest';
import {
  sanitizeAttributeName,
  toContactUpsert,
} from '../../../../../src/destination/actions/create-update-user/to-contact-upsert';
import type { NormalizedIdentify } from '../../../../../src/destination/ingested-event';
import { destinationSettingsSchema, type DestinationSettingsInput } from '../../../../../src/destination/settings';

const settings = (userProperties: string[], input: DestinationSettingsInput = {}) =>
  destinationSettingsSchema.parse({ createUpdateUsers: { enabled: true, userProperties }, ...input });

const identify = (change: Partial<NormalizedIdentify> = {}): NormalizedIdentify => ({
  userId: 'user-42',
  set: {},
  setOnce: {},
  unset: [],
  ...change,
});

function upsert(...args: Parameters<typeof toContactUpsert>) {
  const result = toContactUpsert(...args);
  if (!result.ok) throw new Error(`expected an upsert, got ${result.reason}`);
  return result;
}

describe('toContactUpsert', () => {
  it('does nothing while Create & Update Users is off', () => {
    const off = destinationSettingsSchema.parse({ createUpdateUsers: { userProperties: ['plan'] } });
    expect(toContactUpsert(identify({ set: { plan: 'pro' } }), off)).toEqual({
      ok: false,
      reason: 'create_update_users_disabled',
    });
  });

  it('sends only the identity when no property is selected', () => {
    const result = upsert(identify({ set: { plan: 'pro', email: 'ada@example.com' } }), settings([]));
    expect(result.lookup).toEqual({ field: 'external_id', value: 'user-42' });
    expect(result.contact).toEqual({ role: 'user', external_id: 'user-42', custom_attributes: {} });
    expect(result.attributeTypes).toEqual({});
  });

  it('sends selected properties only, standard fields as contact fields', () => {
    const result = upsert(
      identify({
        set: { Email: ' Ada@Example.com ', name: 'Ada Lovelace', phone: 441234567, plan: 'pro', secret: 'x' },
      }),
      settings(['Email', 'name', 'phone', 'plan']),
    );
    expect(result.contact).toEqual({
      role: 'user',
      external_id: 'user-42',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '441234567',
      custom_attributes: { plan: 'pro' },
    });
    expect(result.droppedProperties).toEqual([]);
  });

  it('looks the contact up by email and keeps that email on it', () => {
    const byEmail = settings(['email', 'plan'], {
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
    });
    const result = upsert(identify({ set: { email: 'ADA@example.com', plan: 'pro' } }), byEmail);
    expect(result.lookup).toEqual({ field: 'email', value: 'ada@example.com' });
    expect(result.contact).toEqual({ role: 'user', email: 'ada@example.com', custom_attributes: { plan: 'pro' } });
  });

  it('does not let a selected email differ from the lookup email', () => {
    const byUserIdEmail = settings(['email'], { mapping: { intercomUser: 'email' } });
    const result = upsert(identify({ userId: 'ada@example.com', set: { email: 'other@example.com' } }), byUserIdEmail);
    expect(result.contact.email).toBe('ada@example.com');
    expect(result.droppedProperties).toEqual([{ property: 'email', reason: 'conflicts_with_lookup' }]);
  });

  it('fails without a usable identity', () => {
    expect(toContactUpsert(identify({ userId: undefined, deviceId: 'd-1' }), settings(['plan']))).toEqual({
      ok: false,
      reason: 'missing_identity',
    });
    expect(
      toContactUpsert(identify({ userId: 'user-42' }), settings([], { mapping: { intercomUser: 'email' } })),
    ).toEqual({
      ok: false,
      reason: 'invalid_email',
    });
  });

  it('drops an invalid selected email instead of the whole update', () => {
    const result = upsert(identify({ set: { email: 'not-an-email', plan: 'pro' } }), settings(['email', 'plan']));
    expect(result.contact).toEqual({ role: 'user', external_id: 'user-42', custom_attributes: { plan: 'pro' } });
    expect(result.droppedProperties).toEqual([{ property: 'email', reason: 'invalid_email' }]);
  });

  it('infers attribute types, reading *_at values as dates in Unix seconds', () => {
    const result = upsert(
      identify({
        set: {
          plan: 'pro',
          seats: 3,
          mrr: 49.5,
          trial: true,
          renewed_at: 1_700_000_000_123,
          signed_in_at: '2024-01-02 03:04:05',
        },
      }),
      settings(['plan', 'seats', 'mrr', 'trial', 'renewed_at', 'signed_in_at']),
    );
    expect(result.contact.custom_attributes).toEqual({
      plan: 'pro',
      seats: 3,
      mrr: 49.5,
      trial: true,
      renewed_at: 1_700_000_000,
      signed_in_at: 1_704_164_645,
    });
    expect(result.attributeTypes).toEqual({
      plan: 'string',
      seats: 'integer',
      mrr: 'float',
      trial: 'boolean',
      renewed_at: 'date',
      signed_in_at: 'date',
    });
  });

  it('flattens nested values and joins arrays, since custom attributes are scalars', () => {
    const result = upsert(
      identify({
        set: {
          company: { name: 'Acme', size: 50, price: { amount: 100, currency: 'eur' } },
          roles: ['admin', 'owner'],
        },
      }),
      settings(['company', 'roles']),
    );
    expect(result.contact.custom_attributes).toEqual({
      company_name: 'Acme',
      company_size: 50,
      company_price_amount: 100,
      company_price_currency: 'eur',
      roles: 'admin, owner',
    });
  });

  it('sanitises attribute names and caps string values', () => {
    const result = upsert(
      identify({ set: { 'Plan Type': 'x'.repeat(300), 'amount.€': 5, $source: 'ads' } }),
      settings(['Plan Type', 'amount.€', '$source']),
    );
    expect(result.contact.custom_attributes).toEqual({ Plan_Type: 'x'.repeat(255), 'amount_€': 5, _source: 'ads' });
  });

  it('refuses custom attributes named like Intercom contact fields', () => {
    const result = upsert(
      identify({ set: { created_at: 1_700_000_000, Role: 'admin', plan: 'pro' } }),
      settings(['created_at', 'Role', 'plan']),
    );
    expect(result.contact.custom_attributes).toEqual({ plan: 'pro' });
    expect(result.droppedProperties).toEqual([
      { property: 'created_at', reason: 'reserved_name' },
      { property: 'Role', reason: 'reserved_name' },
    ]);
  });

  it('clears unset properties with null, leaving the email alone', () => {
    const result = upsert(
      identify({ unset: ['plan', 'name', 'email', 'unselected'] }),
      settings(['plan', 'name', 'email']),
    );
    expect(result.contact).toEqual({
      role: 'user',
      external_id: 'user-42',
      name: null,
      custom_attributes: { plan: null },
    });
    expect(result.attributeTypes).toEqual({});
    expect(result.droppedProperties).toEqual([{ property: 'email', reason: 'not_clearable' }]);
  });

  it('keeps $setOnce values for creation only, and lets $set win', () => {
    const result = upsert(
      identify({ set: { plan: 'pro' }, setOnce: { plan: 'free', first_seen_at: 1_600_000_000, name: 'Ada' } }),
      settings(['plan', 'first_seen_at', 'name']),
    );
    expect(result.contact).toEqual({ role: 'user', external_id: 'user-42', custom_attributes: { plan: 'pro' } });
    expect(result.createOnly).toEqual({ name: 'Ada', custom_attributes: { first_seen_at: 1_600_000_000 } });
    expect(result.attributeTypes).toEqual({ plan: 'string', first_seen_at: 'date' });
  });

  it('reports empty values and name collisions', () => {
    const result = upsert(
      identify({ set: { coupon: null, 'a.b': 1, a$b: 2, email: 'a@b.io', EMAIL: 'c@d.io' } }),
      settings(['coupon', 'a.b', 'a$b', 'email', 'EMAIL']),
    );
    expect(result.contact.custom_attributes).toEqual({ a_b: 1 });
    expect(result.contact.email).toBe('a@b.io');
    expect(result.droppedProperties).toEqual([
      { property: 'coupon', reason: 'empty' },
      { property: 'a_b', reason: 'key_collision' },
      { property: 'EMAIL', reason: 'key_collision' },
    ]);
  });
});

describe('toContactUpsert with prototype-like names', () => {
  it('treats them as ordinary custom attributes', () => {
    const result = upsert(identify({ set: { constructor: 'c' } }), settings(['constructor', 'toString']));
    expect(result.contact.custom_attributes).toEqual({ constructor: 'c' });
    expect(result.attributeTypes).toEqual({ constructor: 'string' });
  });
});

describe('sanitizeAttributeName', () => {
  it('keeps letters, digits, currency symbols, hyphens and underscores, and caps the length', () => {
    expect(sanitizeAttributeName('Plan-Tier_2 (€/£)')).toBe('Plan-Tier_2__€_£_');
    expect(sanitizeAttributeName('a.b$c')).toBe('a_b_c');
    expect(sanitizeAttributeName('x'.repeat(200))).toHaveLength(190);
  });
});
