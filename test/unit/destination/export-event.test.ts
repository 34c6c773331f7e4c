import { describe, expect, it } from 'vitest';
import { parseExportPayload, parseExportTime } from '../../../src/destination/export-event';

describe('Amplitude webhook streaming (Export format)', () => {
  it('reads an Export-format event: UTC time without a zone, $insert_id, properties', () => {
    const result = parseExportPayload({
      event_type: 'Purchased',
      user_id: 'user-1',
      device_id: 'dev-1',
      amplitude_id: 123,
      event_time: '2022-02-28 20:07:01.795',
      client_event_time: '2022-02-28 20:07:00.000',
      $insert_id: 'ins-1',
      uuid: 'uuid-1',
      event_id: 7,
      event_properties: { plan: 'pro' },
      user_properties: { email: 'a@example.com' },
    });
    expect(result).toEqual({
      ok: true,
      payload: {
        kind: 'event',
        event: {
          event_type: 'Purchased',
          user_id: 'user-1',
          device_id: 'dev-1',
          time: Date.UTC(2022, 1, 28, 20, 7, 1, 795),
          event_id: 7,
          insert_id: 'ins-1',
          event_properties: { plan: 'pro' },
          user_properties: { email: 'a@example.com' },
        },
      },
    });
  });

  it('falls back to uuid for the insert id, and to client_event_time for the time', () => {
    const result = parseExportPayload({
      event_type: 'e',
      user_id: 'u',
      uuid: 'uuid-9',
      client_event_time: '2024-01-02 03:04:05',
    });
    expect(result).toMatchObject({
      ok: true,
      payload: { event: { insert_id: 'uuid-9', time: Date.UTC(2024, 0, 2, 3, 4, 5) } },
    });
  });

  it('reads a user (Identify format) as an identification', () => {
    expect(parseExportPayload({ user_id: 'u-1', user_properties: { $set: { plan: 'team' } } })).toEqual({
      ok: true,
      payload: { kind: 'identify', identification: { user_id: 'u-1', user_properties: { $set: { plan: 'team' } } } },
    });
  });

  it('refuses what is neither, saying why', () => {
    expect(parseExportPayload([])).toMatchObject({ ok: false, error: expect.stringContaining('one JSON object') });
    expect(parseExportPayload({ event_type: 'e' })).toEqual({ ok: false, error: 'user_id or device_id is required' });
    expect(parseExportPayload({ user_id: 'u' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('event_type'),
    });
  });

  it('parses Export and ISO times and rejects garbage', () => {
    expect(parseExportTime('2022-02-28 20:07:01.795')).toBe(Date.UTC(2022, 1, 28, 20, 7, 1, 795));
    expect(parseExportTime('2022-02-28T20:07:01Z')).toBe(Date.UTC(2022, 1, 28, 20, 7, 1));
    expect(parseExportTime('yesterday')).toBeUndefined();
  });
});
