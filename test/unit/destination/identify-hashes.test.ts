import { describe, expect, it } from 'vitest';
import { destinationSettingsSchema } from '../../../src/destination/settings';
import { identifyHash } from '../../../src/destination/identify-hashes';
import { toContactUpsert } from '../../../src/destination/actions/create-update-user/to-contact-upsert';
import type { NormalizedIdentify } from '../../../src/destination/ingested-event';

const settings = (userProperties: string[], intercomUser: 'external_id' | 'email' = 'external_id') =>
  destinationSettingsSchema.parse({
    createUpdateUsers: { enabled: true, userProperties },
    mapping: { intercomUser, from: { kind: 'user_id' } },
  });

function hashOf(change: Partial<NormalizedIdentify>, selected = ['plan', 'seats'], intercomUser?: 'email') {
  const identify: NormalizedIdentify = { userId: 'user-42', set: {}, setOnce: {}, unset: [], ...change };
  const upsert = toContactUpsert(identify, settings(selected, intercomUser));
  if (!upsert.ok) throw new Error(upsert.reason);
  return identifyHash(upsert);
}

describe('identifyHash: what Create & Update Users would write', () => {
  it('is the same for the same selected values, whatever the order or the unselected properties', () => {
    expect(hashOf({ set: { plan: 'pro', seats: 3 } })).toBe(hashOf({ set: { seats: 3, plan: 'pro' } }));
    expect(hashOf({ set: { plan: 'pro', seats: 3, last_page: '/a' } })).toBe(
      hashOf({ set: { plan: 'pro', seats: 3, last_page: '/b' } }),
    );
  });

  it('changes when a selected value changes, is set once, or is unset', () => {
    const base = hashOf({ set: { plan: 'pro' } });
    expect(hashOf({ set: { plan: 'team' } })).not.toBe(base);
    expect(hashOf({ set: { plan: 'pro' }, setOnce: { seats: 1 } })).not.toBe(base);
    expect(hashOf({ set: { plan: 'pro' }, unset: ['seats'] })).not.toBe(base);
  });

  it("changes with the contact's identity and with the selection", () => {
    const base = hashOf({ set: { plan: 'pro' } });
    expect(hashOf({ userId: 'user-43', set: { plan: 'pro' } })).not.toBe(base);
    expect(hashOf({ userId: 'ada@example.com', set: { plan: 'pro' } }, ['plan', 'seats'], 'email')).not.toBe(
      hashOf({ userId: 'ada@example.com', set: { plan: 'pro' } }, ['plan', 'seats']),
    );
    expect(hashOf({ set: { plan: 'pro', seats: 3 } }, ['plan'])).not.toBe(hashOf({ set: { plan: 'pro', seats: 3 } }));
  });
});
