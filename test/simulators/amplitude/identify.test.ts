import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, event, postUpload, send, startSimulator, type Started } from './helpers';

describe('Amplitude simulator: Identify', () => {
  let s: Started;
  beforeEach(async () => {
    s = await startSimulator({ apiKeys: [API_KEY] });
  });
  afterEach(() => s.sim.close());

  const postForm = (fields: Record<string, string>) =>
    send(`${s.url}/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('POST form-encoded: answers the text success and applies the user properties', async () => {
    const identification = [
      { user_id: 'user-00001', user_properties: { $set: { plan: 'pro' }, $add: { seats: 2 } }, country: 'NL' },
      { device_id: 'device-0001', user_properties: { browser: 'Firefox' } },
    ];
    const answer = await postForm({ api_key: API_KEY, identification: JSON.stringify(identification) });
    expect([answer.status, answer.text]).toEqual([200, 'success']);
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(s.sim.identifies.map((i) => [i.via, i.update.userId ?? i.update.deviceId])).toEqual([
      ['identify_api', 'user-00001'],
      ['identify_api', 'device-0001'],
    ]);
    expect(s.sim.identifies[0]?.update.context).toEqual({ country: 'NL' });
    expect(s.sim.userProperties('user-00001')).toEqual({ plan: 'pro', seats: 2 });
    expect(s.sim.userProperties('device-0001')).toEqual({ browser: 'Firefox' });
    expect(s.sim.events).toHaveLength(0); // identifies are not events
  });

  it('GET with query parameters works too', async () => {
    const query = new URLSearchParams({ api_key: API_KEY, identification: JSON.stringify({ user_id: 'user-00002' }) });
    const answer = await send(`${s.url}/identify?${query.toString()}`, { method: 'GET' });
    expect([answer.status, answer.text]).toEqual([200, 'success']);
    expect(s.sim.identifies).toHaveLength(1);
  });

  it('400 missing_event for a missing or malformed identification; key errors as on uploads', async () => {
    const missing = await postForm({ api_key: API_KEY });
    expect([missing.status, missing.json]).toEqual([400, { code: 400, error: 'missing_event' }]);
    const malformed = await postForm({ api_key: API_KEY, identification: '{"user_id": ' });
    expect(malformed.json).toEqual({ code: 400, error: 'missing_event' });
    const noKey = await postForm({ identification: JSON.stringify({ user_id: 'user-00001' }) });
    expect(noKey.json).toEqual({ code: 400, error: 'Request missing required field', missing_field: 'api_key' });
    const badKey = await postForm({ api_key: 'nope', identification: JSON.stringify({ user_id: 'user-00001' }) });
    expect(badKey.json).toEqual({ code: 400, error: 'Invalid API key' });
    expect(s.sim.identifies).toHaveLength(0);
  });

  it('$identify events on /2/httpapi are identifies, as the official SDKs send them', async () => {
    const identify = event({
      event_type: '$identify',
      user_id: 'user-00003',
      insert_id: 'identify-1',
      user_properties: { $set: { plan: 'team' }, $setOnce: { first_source: 'intercom' }, $append: { tags: 'vip' } },
    });
    const answer = await postUpload(s.url, { api_key: API_KEY, events: [identify] });
    expect(answer.json).toMatchObject({ code: 200, events_ingested: 1 });
    expect(s.sim.identifies).toHaveLength(1);
    expect(s.sim.identifies[0]).toMatchObject({ via: 'identify_event', update: { userId: 'user-00003' } });

    const later = event({
      event_type: '$identify',
      user_id: 'user-00003',
      user_properties: { $setOnce: { first_source: 'other' }, $unset: { plan: '-' } },
    });
    await postUpload(s.url, { api_key: API_KEY, events: [later, event({ user_id: 'user-00003' })] });
    expect(s.sim.userProperties('user-00003', API_KEY)).toEqual({ first_source: 'intercom', tags: ['vip'] });
    expect(s.sim.events).toHaveLength(1);
  });

  it('plain user_properties on ordinary events update the user unless sync is skipped', async () => {
    await postUpload(s.url, {
      api_key: API_KEY,
      events: [
        event({ user_id: 'user-00004', user_properties: { plan: 'pro', $set: { ignored: true } } }),
        event({ user_id: 'user-00004', user_properties: { plan: 'historic' }, $skip_user_properties_sync: true }),
      ],
    });
    expect(s.sim.userProperties('user-00004')).toEqual({ plan: 'pro' });
  });
});
