import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, event, send, startSimulator, type Started } from './helpers';

let s: Started;
afterEach(async () => {
  await s?.sim.close();
});

describe('Amplitude simulator: /_inspect', () => {
  it('shows the events and identifies it stored, per project api_key if asked', async () => {
    s = await startSimulator();
    const upload = (apiKey: string, events: unknown[]) =>
      send(`${s.url}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: apiKey, events }),
      });
    expect((await upload(API_KEY, [event({ event_type: 'Signed up' })])).status).toBe(200);
    expect((await upload('other-project-key', [event({ event_type: 'Other' })])).status).toBe(200);
    expect(
      (await upload(API_KEY, [event({ event_type: '$identify', user_properties: { $set: { plan: 'pro' } } })])).status,
    ).toBe(200);

    const all = (await (await fetch(`${s.url}/_inspect/events`)).json()) as any;
    expect(all.events.map((e: any) => e.event.event_type)).toEqual(['Signed up', 'Other']);
    const mine = (await (await fetch(`${s.url}/_inspect/events?api_key=${API_KEY}`)).json()) as any;
    expect(mine.events).toEqual([expect.objectContaining({ apiKey: API_KEY, endpoint: 'httpapi' })]);
    const identifies = (await (await fetch(`${s.url}/_inspect/identifies`)).json()) as any;
    expect(identifies.identifies).toHaveLength(1);
    // Inspection is not Amplitude traffic: it is not recorded as a request.
    expect(s.sim.requests.every((r) => !r.path.startsWith('/_inspect'))).toBe(true);
  });
});
