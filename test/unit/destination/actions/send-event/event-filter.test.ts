import { describe, expect, it } from 'vitest';
import { matchesEventFilter } from '../../../../../src/destination/actions/send-event/event-filter';
import {
  eventFilterSchema,
  type EventFilter,
  type PropertyCondition,
} from '../../../../../src/destination/actions/send-event/fields';
import type { IngestedEvent } from '../../../../../src/destination/ingested-event';

const event: IngestedEvent = {
  event_type: 'Order Completed',
  user_id: 'user-1',
  event_properties: { plan: 'Pro Annual', amount: 120, count: '42', tags: ['new', 'promo'], coupon: null, paid: true },
  user_properties: { country: 'France', seats: 3 },
};

const filter = (input: Partial<EventFilter>): EventFilter => eventFilterSchema.parse(input);
const selectedWith = (...conditions: PropertyCondition[]) => filter({ eventTypes: ['Order Completed'], conditions });
const matches = (condition: PropertyCondition) => matchesEventFilter(event, selectedWith(condition));

describe('event type selection', () => {
  it('matches nothing when nothing is selected, whatever the conditions', () => {
    expect(matchesEventFilter(event, filter({}))).toBe(false);
    expect(
      matchesEventFilter(event, filter({ conditions: [{ property: 'plan', scope: 'event', operator: 'exists' }] })),
    ).toBe(false);
  });

  it('matches selected types by exact name', () => {
    expect(matchesEventFilter(event, filter({ eventTypes: ['Order Completed'] }))).toBe(true);
    expect(matchesEventFilter(event, filter({ eventTypes: ['order completed', 'Order Completed '] }))).toBe(false);
  });

  it('matches every event when all events are selected, except the ones our Intercom source wrote', () => {
    const all = filter({ allEvents: true });
    expect(matchesEventFilter(event, all)).toBe(true);
    expect(matchesEventFilter({ event_type: '[Intercom] event.created' }, all)).toBe(false);
    expect(
      matchesEventFilter(
        { event_type: '[Intercom] event.created' },
        filter({ eventTypes: ['[Intercom] event.created'] }),
      ),
    ).toBe(true);
  });

  it('requires every condition to hold', () => {
    const plan: PropertyCondition = { property: 'plan', scope: 'event', operator: 'contains', values: ['pro'] };
    const country: PropertyCondition = { property: 'country', scope: 'user', operator: 'is', values: ['Germany'] };
    expect(matchesEventFilter(event, selectedWith(plan))).toBe(true);
    expect(matchesEventFilter(event, selectedWith(plan, country))).toBe(false);
  });
});

describe('property condition operators', () => {
  it('is: any listed value, exact, comparing as strings, array elements included', () => {
    expect(matches({ property: 'plan', scope: 'event', operator: 'is', values: ['Basic', 'Pro Annual'] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'is', values: ['pro annual'] })).toBe(false);
    expect(matches({ property: 'amount', scope: 'event', operator: 'is', values: ['120'] })).toBe(true);
    expect(matches({ property: 'paid', scope: 'event', operator: 'is', values: [true] })).toBe(true);
    expect(matches({ property: 'tags', scope: 'event', operator: 'is', values: ['promo'] })).toBe(true);
    expect(matches({ property: 'missing', scope: 'event', operator: 'is', values: ['x'] })).toBe(false);
  });

  it('is_not: none of the values; a missing property is not any value', () => {
    expect(matches({ property: 'plan', scope: 'event', operator: 'is_not', values: ['Basic'] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'is_not', values: ['Pro Annual'] })).toBe(false);
    expect(matches({ property: 'missing', scope: 'event', operator: 'is_not', values: ['x'] })).toBe(true);
  });

  it('contains / does_not_contain: case-insensitive substring', () => {
    expect(matches({ property: 'plan', scope: 'event', operator: 'contains', values: ['ANNUAL'] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'contains', values: ['monthly'] })).toBe(false);
    expect(matches({ property: 'tags', scope: 'event', operator: 'contains', values: ['prom'] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'does_not_contain', values: ['monthly'] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'does_not_contain', values: ['pro'] })).toBe(false);
  });

  it('exists / not_exists: null counts as absent', () => {
    expect(matches({ property: 'plan', scope: 'event', operator: 'exists' })).toBe(true);
    expect(matches({ property: 'coupon', scope: 'event', operator: 'exists' })).toBe(false);
    expect(matches({ property: 'coupon', scope: 'event', operator: 'not_exists' })).toBe(true);
    expect(matches({ property: 'country', scope: 'user', operator: 'not_exists' })).toBe(false);
  });

  it('greater_than / less_than: numbers and numeric strings only', () => {
    expect(matches({ property: 'amount', scope: 'event', operator: 'greater_than', values: [100] })).toBe(true);
    expect(matches({ property: 'amount', scope: 'event', operator: 'greater_than', values: [120] })).toBe(false);
    expect(matches({ property: 'count', scope: 'event', operator: 'less_than', values: [50] })).toBe(true);
    expect(matches({ property: 'plan', scope: 'event', operator: 'less_than', values: [50] })).toBe(false);
    expect(matches({ property: 'seats', scope: 'user', operator: 'less_than', values: [3] })).toBe(false);
  });

  it('reads user-scoped conditions from user_properties, not event_properties', () => {
    expect(matches({ property: 'country', scope: 'event', operator: 'exists' })).toBe(false);
    expect(matches({ property: 'country', scope: 'user', operator: 'is', values: ['France'] })).toBe(true);
  });

  it('does not see Object.prototype members as properties', () => {
    expect(matches({ property: 'constructor', scope: 'event', operator: 'not_exists' })).toBe(true);
    expect(matches({ property: 'toString', scope: 'user', operator: 'exists' })).toBe(false);
  });

  it('treats an event without properties as having none', () => {
    const bare: IngestedEvent = { event_type: 'Order Completed', event_properties: null };
    expect(matchesEventFilter(bare, selectedWith({ property: 'plan', scope: 'event', operator: 'not_exists' }))).toBe(
      true,
    );
    expect(matchesEventFilter(bare, selectedWith({ property: 'plan', scope: 'user', operator: 'exists' }))).toBe(false);
  });
});
