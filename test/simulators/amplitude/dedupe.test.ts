import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DOCUMENTED } from '../../../testkit/simulators/amplitude';
import { event, postUpload, startSimulator, upload, type Started } from './helpers';

describe('Amplitude simulator: insert_id dedupe', () => {
  let s: Started;
  beforeEach(async () => {
    s = await startSimulator();
  });
  afterEach(() => s.sim.close());

  it('accepts a repeat on the same device with 200 but stores it once', async () => {
    const first = event({ insert_id: 'dup-1', device_id: 'device-1' });
    expect((await postUpload(s.url, upload([first]))).status).toBe(200);
    const again = await postUpload(s.url, upload([{ ...first, event_properties: { retry: true } }]));
    expect(again.json).toMatchObject({ code: 200, events_ingested: 1 });
    expect(s.sim.events).toHaveLength(1);
    expect(s.sim.events[0]?.event.event_properties).toBeUndefined();
    expect(s.sim.deliveriesOf('dup-1')).toBe(2);
    expect(s.sim.duplicateCount).toBe(1);
  });

  it('stores the same insert_id again on a different device', async () => {
    await postUpload(s.url, upload([event({ insert_id: 'dup-2', device_id: 'device-1' })]));
    await postUpload(s.url, upload([event({ insert_id: 'dup-2', device_id: 'device-2' })]));
    expect(s.sim.events).toHaveLength(2);
    expect(s.sim.duplicateCount).toBe(0);
  });

  it('dedupes user-only events per user (device_id defaults to a hash of user_id)', async () => {
    const userOnly = event({ insert_id: 'dup-3', user_id: 'user-00042' });
    await postUpload(s.url, upload([userOnly, userOnly]));
    await postUpload(s.url, upload([{ ...userOnly, user_id: 'user-00043' }]));
    expect(s.sim.events.map((e) => e.event.user_id)).toEqual(['user-00042', 'user-00043']);
    expect(s.sim.duplicateCount).toBe(1);
  });

  it('dedupes per project and forgets after 7 days', async () => {
    const repeated = event({ insert_id: 'dup-4' });
    await postUpload(s.url, upload([repeated]));
    await postUpload(s.url, upload([repeated], { api_key: 'other-project-key' }));
    expect(s.sim.events).toHaveLength(2);
    s.clock.now += 7 * 24 * 60 * 60 * 1000 - 1;
    await postUpload(s.url, upload([repeated]));
    expect(s.sim.events).toHaveLength(2);
    s.clock.now += 1;
    await postUpload(s.url, upload([repeated]));
    expect(s.sim.events).toHaveLength(3);
  });

  it('without insert_id, dedupes on event_id + time + device', async () => {
    const counted = event({ insert_id: undefined, event_id: 7, device_id: 'device-1' });
    await postUpload(s.url, upload([counted, counted, { ...counted, event_id: 8 }]));
    expect(s.sim.events).toHaveLength(2);
  });

  it('ingest-then-fail: a 500 after ingestion plus a retry stores the events once thanks to insert_id', async () => {
    s.sim.ingestThenFail(1, 502);
    const events = [event({ insert_id: 'x-1' }), event({ insert_id: 'x-2' })];
    const failed = await postUpload(s.url, upload(events));
    expect([failed.status, failed.json]).toEqual([502, DOCUMENTED.serverErrors.bodies['502']]);
    expect(DOCUMENTED.serverErrors.mayHaveIngested.statuses).toContain(502);
    expect(s.sim.events).toHaveLength(2); // already ingested despite the error

    const retried = await postUpload(s.url, upload(events));
    expect(retried.status).toBe(200);
    expect(s.sim.events).toHaveLength(2);
    expect(s.sim.deliveriesOf('x-1')).toBe(2);
    expect(s.sim.duplicateCount).toBe(2);
  });

  it('refuses ingest-then-fail for 503, which never commits', () => {
    expect(() => s.sim.ingestThenFail(1, 503 as 500)).toThrow(/500, 502 or 504/);
  });
});
