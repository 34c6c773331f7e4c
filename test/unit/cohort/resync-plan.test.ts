import { describe, expect, it } from 'vitest';
import { listedValue, planResync } from '../../../src/cohort/resync-plan';
import { cohortMappingSchema } from '../../../src/cohort/settings';

const byUserId = cohortMappingSchema.parse({});

describe('planResync', () => {
  it('from our record alone: adds who is missing, removes who should not be there', () => {
    const plan = planResync({
      desired: ['a', 'b', 'c'],
      recorded: new Map([
        ['a', 'c-a'],
        ['x', 'c-x'],
      ]),
      mapping: byUserId,
    });
    expect(plan).toEqual({ add: ['b', 'c'], remove: ['x'] });
  });

  it("prefers Intercom's listing: re-adds members untagged by hand and removes contacts tagged by hand", () => {
    const plan = planResync({
      desired: ['a', 'c', 'e'],
      recorded: new Map([
        ['a', 'c-a'],
        ['b', 'c-b'],
        ['c', 'c-c'],
      ]),
      // b was untagged in Intercom, d tagged there, c untagged as well.
      listed: new Map([
        ['a', 'c-a'],
        ['d', 'c-d'],
      ]),
      mapping: byUserId,
    });
    expect(plan.add.sort()).toEqual(['c', 'e']);
    expect(plan.remove.sort()).toEqual(['b', 'd']);
  });

  it('an empty list empties the tag', () => {
    const plan = planResync({
      desired: [],
      recorded: new Map([['a', 'c-a']]),
      listed: new Map([['z', 'c-z']]),
      mapping: byUserId,
    });
    expect(plan).toEqual({ add: [], remove: ['a', 'z'] });
  });

  it('matches listed emails the way members are matched (case-insensitively)', () => {
    const byEmail = cohortMappingSchema.parse({ intercomUser: 'email' });
    const listed = new Map([[listedValue({ email: 'Ada@Example.com' }, 'email')!, 'c-1']]);
    expect(planResync({ desired: ['ada@example.com'], recorded: new Map(), listed, mapping: byEmail })).toEqual({
      add: [],
      remove: [],
    });
    expect(listedValue({ external_id: null }, 'external_id')).toBeUndefined();
  });
});
