import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, event, postUpload, startSimulator, upload, type Started } from './helpers';

describe('Amplitude simulator: throttling (429) and silenced devices', () => {
  let s: Started | undefined;
  afterEach(() => s?.sim.close());

  /** 901 events in one burst: 901 / 30 s averages just over 30 events per second. */
  const burst = (userId: string, count = 901) =>
    Array.from({ length: count }, (_, i) => event({ user_id: userId, insert_id: `${userId}-${i}` }));

  it('429: a hot user gets the documented body, nothing is stored, and it recovers after the window', async () => {
    s = await startSimulator();
    expect((await postUpload(s.url, upload(burst('hot-user-1')))).status).toBe(200);
    const stored = s.sim.events.length;

    const mixed = [
      event({ user_id: 'calm-user-1' }),
      event({ user_id: 'hot-user-1' }),
      event({ user_id: 'hot-user-1', device_id: 'device-9' }),
    ];
    const throttled = await postUpload(s.url, upload(mixed));
    expect(throttled.status).toBe(429);
    expect(throttled.json).toEqual({
      code: 429,
      error: 'Too many requests for some devices and users',
      eps_threshold: 30,
      throttled_devices: {},
      throttled_users: { 'hot-user-1': 31 },
      throttled_events: [1, 2],
    });
    expect(s.sim.events).toHaveLength(stored);

    s.clock.now += 29_000;
    expect((await postUpload(s.url, upload(mixed))).status).toBe(429);
    s.clock.now += 1_000;
    const recovered = await postUpload(s.url, upload(mixed));
    expect(recovered.status).toBe(200);
    expect(s.sim.events).toHaveLength(stored + 3);
  });

  it('429 names hot devices too, and other users pass meanwhile', async () => {
    s = await startSimulator({ epsThreshold: 1 });
    const deviceBurst = Array.from({ length: 31 }, () => event({ user_id: undefined, device_id: 'device-hot-1' }));
    expect((await postUpload(s.url, upload(deviceBurst))).status).toBe(200);
    const answer = await postUpload(s.url, upload([event({ user_id: undefined, device_id: 'device-hot-1' })]));
    expect(answer.json).toMatchObject({
      code: 429,
      eps_threshold: 1,
      throttled_devices: { 'device-hot-1': 2 },
      throttled_events: [0],
    });
    expect((await postUpload(s.url, upload([event({ user_id: 'another-user' })]))).status).toBe(200);
  });

  it('/batch allows 1000 eps and reports users over the daily quota', async () => {
    s = await startSimulator({ dailyQuota: 1000 });
    const heavy = burst('batch-user-1', 1000);
    // Both endpoints count toward the same per-project quota; 500 events per 30 s stay under either eps limit.
    expect((await postUpload(s.url, upload(heavy.slice(0, 500)), { path: '/2/httpapi' })).status).toBe(200);
    expect((await postUpload(s.url, upload(heavy.slice(500)), { path: '/batch' })).status).toBe(200);
    s.clock.now += 60_000; // the eps window has passed; the 24 h quota has not
    const pair = [event({ user_id: 'fresh-user-1' }), event({ user_id: 'batch-user-1' })];
    const answer = await postUpload(s.url, upload(pair), { path: '/batch' });
    expect(answer.status).toBe(429);
    expect(answer.json).toEqual({
      code: 429,
      error: 'Too many requests for some devices and users',
      eps_threshold: 1000,
      throttled_devices: {},
      throttled_users: {},
      throttled_events: [],
      exceeded_daily_quota_users: { 'batch-user-1': 1000 },
      exceeded_daily_quota_devices: {},
    });
    s.clock.now += 24 * 60 * 60 * 1000;
    const nextDay = await postUpload(s.url, upload([event({ user_id: 'batch-user-1' })]), { path: '/batch' });
    expect(nextDay.status).toBe(200);
  });

  it('the same burst that throttles HTTP V2 passes on /batch', async () => {
    s = await startSimulator();
    expect((await postUpload(s.url, upload(burst('bulk-user-1')), { path: '/batch' })).status).toBe(200);
    expect((await postUpload(s.url, upload([event({ user_id: 'bulk-user-1' })]), { path: '/batch' })).status).toBe(200);
    expect((await postUpload(s.url, upload([event({ user_id: 'bulk-user-1' })]))).status).toBe(429);
  });

  it('400 silenced: events of silenced devices are listed and the request is refused', async () => {
    s = await startSimulator({ silencedDevices: ['device-silent'] });
    const answer = await postUpload(
      s.url,
      upload([event({ device_id: 'device-ok-1' }), event({ device_id: 'device-silent' })], { api_key: API_KEY }),
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 400,
      error: 'Events silenced for device_id',
      eps_threshold: 30,
      exceeded_daily_quota_devices: {},
      silenced_devices: ['device-silent'],
      silenced_events: [1],
      throttled_devices: {},
      throttled_events: [],
    });
    expect(s.sim.events).toHaveLength(0);
  });
});
