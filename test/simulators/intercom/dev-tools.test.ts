import { afterEach, describe, expect, it } from 'vitest';
import { createIntercomSimulator } from '../../../testkit/simulators/intercom';
import { startIntercom, type Harness } from './helpers';

/** What `npm run dev` needs from the simulator: inspection, a state that survives a restart, a kept private-app token. */
let h: Harness;
const others: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await h?.sim.close();
  while (others.length) await others.pop()!.close();
});

async function oauthToken(h: Harness, appId: string): Promise<string> {
  const params = new URLSearchParams({
    client_id: h.sim.clientId,
    state: 's',
    workspace: appId,
    redirect_uri: 'http://127.0.0.1:1/callback',
  });
  const consent = await fetch(`${h.baseUrl}/oauth?${params.toString()}`, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const exchanged = await fetch(`${h.baseUrl}/auth/eagle/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_id: h.sim.clientId, client_secret: h.sim.clientSecret, code }),
  });
  return ((await exchanged.json()) as { access_token: string }).access_token;
}

describe('Intercom simulator: dev tools', () => {
  it('shows its contacts and events at /_inspect without a token', async () => {
    h = await startIntercom();
    await h.call('POST', '/contacts', { body: { role: 'user', external_id: 'ada', email: 'ada@example.com' } });
    await h.call('POST', '/events', { body: { event_name: 'Purchased', user_id: 'ada', created_at: 1_767_000_000 } });

    const contacts = (await (await fetch(`${h.baseUrl}/_inspect/contacts`)).json()) as any;
    expect(contacts.contacts).toEqual([expect.objectContaining({ type: 'contact', external_id: 'ada' })]);
    const events = (await (await fetch(`${h.baseUrl}/_inspect/events?workspace=ws1`)).json()) as any;
    expect(events.events).toEqual([expect.objectContaining({ workspace: 'ws1', eventName: 'purchased' })]);
    expect((await fetch(`${h.baseUrl}/_inspect/events?workspace=nope`)).status).toBe(404);
  });

  it('exports its state and a new simulator continues from it: same workspace, tokens, contacts, events', async () => {
    h = await startIntercom({ clientSecret: 'kept-secret' });
    const oauth = await oauthToken(h, 'ws1');
    const created = await h.call('POST', '/contacts', { body: { role: 'user', external_id: 'ada' } });
    await h.call('POST', '/data_attributes', {
      body: { name: 'plan', model: 'contact', data_type: 'string' },
    });
    const event = { event_name: 'Purchased', user_id: 'ada', created_at: 1_767_000_000 };
    await h.call('POST', '/events', { body: event });

    const saved = JSON.parse(JSON.stringify(h.sim.exportState()));
    const next = createIntercomSimulator({ clientSecret: 'kept-secret' });
    others.push(next);
    next.importState(saved);
    const url = await next.listen();
    const call = (path: string, token: string, body?: unknown) =>
      fetch(url + path, {
        method: body ? 'POST' : 'GET',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });

    expect(((await (await call('/me', h.token)).json()) as any).app.id_code).toBe('ws1');
    expect((await call('/me', oauth)).status).toBe(200);
    expect(((await (await call(`/contacts/${created.json.id}`, h.token)).json()) as any).external_id).toBe('ada');
    expect(next.dataAttributes('ws1', 'contact').map((a) => a.name)).toContain('plan');
    // The same event again is still a duplicate: dedupe keys come back with the events.
    expect((await call('/events', h.token, event)).status).toBe(202);
    expect(next.events('ws1')).toHaveLength(1);
    expect(next.duplicateEventCount('ws1')).toBe(1);
    // A new contact does not collide with restored ones.
    expect((await call('/contacts', h.token, { role: 'user', external_id: 'bob' })).status).toBe(200);
    expect(next.contacts('ws1')).toHaveLength(2);

    expect(() => createIntercomSimulator().importState(saved)).toThrow(/clientSecret/);
  });

  it("an OAuth app's /auth/uninstall revokes its own tokens only; consenting again issues a fresh one", async () => {
    h = await startIntercom();
    const oauth = await oauthToken(h, 'ws1');
    expect((await h.call('POST', '/auth/uninstall', { token: oauth })).status).toBe(200);
    await h.sim.flush();
    expect((await h.call('GET', '/me', { token: oauth })).status).toBe(401);
    // The workspace's private-app token (what a destination sync or a curl uses) keeps working.
    expect((await h.call('GET', '/me')).status).toBe(200);
    const again = await oauthToken(h, 'ws1');
    expect(again).not.toBe(oauth);
    expect((await h.call('GET', '/me', { token: again })).status).toBe(200);
  });
});
