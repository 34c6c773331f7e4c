import { describe, expect, it } from 'vitest';
import type { IngestedEvent } from '../../../src/destination/ingested-event';
import { insertIdForAmplitudeEvent } from '../../../src/destination/insert-id';

const event: IngestedEvent = {
  event_type: 'Order Completed',
  user_id: 'user-42',
  device_id: 'device-1',
  time: 1_700_000_000_000,
  event_id: 7,
  event_properties: { plan: 'pro', seats: 3 },
};

describe('insertIdForAmplitudeEvent', () => {
  it("uses the event's own insert_id", () => {
    expect(insertIdForAmplitudeEvent({ ...event, insert_id: 'abc-123' })).toBe('abc-123');
  });

  it('derives a stable id when there is none, independent of property order', () => {
    const id = insertIdForAmplitudeEvent(event);
    expect(id).toMatch(/^derived-[0-9a-f]{64}$/);
    expect(insertIdForAmplitudeEvent({ ...event, insert_id: '', event_properties: { seats: 3, plan: 'pro' } })).toBe(
      id,
    );
    expect(insertIdForAmplitudeEvent({ ...event, user_properties: { anything: 1 } })).toBe(id);
  });

  it.each<[string, Partial<IngestedEvent>]>([
    ['device_id', { device_id: 'device-2' }],
    ['user_id', { user_id: 'user-43' }],
    ['event_type', { event_type: 'Order Refunded' }],
    ['time', { time: 1_700_000_000_001 }],
    ['event_id', { event_id: 8 }],
    ['event_properties', { event_properties: { plan: 'basic', seats: 3 } }],
  ])('changes when %s differs', (_field, change) => {
    expect(insertIdForAmplitudeEvent({ ...event, ...change })).not.toBe(insertIdForAmplitudeEvent(event));
  });
});
