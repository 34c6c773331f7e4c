import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startIntercom, startReceiver, type Harness } from './helpers';

let h: Harness;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.sim.close();
  while (cleanups.length) await cleanups.pop()!();
});

const REDIRECT = 'https://connector.example.com/oauth/callback';

async function authorize(query: Record<string, string>) {
  const params = new URLSearchParams({ client_id: 'sim-client-id', state: 'st-1', redirect_uri: REDIRECT, ...query });
  return fetch(`${h.baseUrl}/oauth?${params.toString()}`, { redirect: 'manual' });
}

async function exchange(body: Record<string, string>, form = false) {
  const res = await fetch(`${h.baseUrl}/auth/eagle/token`, {
    method: 'POST',
    headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

const credentials = { client_id: 'sim-client-id', client_secret: 'sim-client-secret' };

async function codeFor(workspace: string): Promise<string> {
  const res = await authorize({ workspace });
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

describe('Intercom simulator: OAuth', () => {
  it('302 redirects to redirect_uri with a code ending in "=" and the state; unknown client_id is 400', async () => {
    h = await startIntercom();
    const res = await authorize({ workspace: 'ws1' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(location.searchParams.get('code')).toMatch(/=$/);

    expect((await authorize({ client_id: 'someone-else' })).status).toBe(400);
    expect((await authorize({ workspace: 'no-such-workspace' })).status).toBe(400);
  });

  it('exchanges a code (JSON or form) for a Bearer token that identifies the workspace; codes are single-use', async () => {
    h = await startIntercom();
    const code = await codeFor('ws1');
    const token = await exchange({ ...credentials, code });
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ token_type: 'Bearer', token: expect.any(String), access_token: token.json.token });

    const me = await h.call('GET', '/me', { token: token.json.token });
    expect(me.json.app.id_code).toBe('ws1');

    const reused = await exchange({ ...credentials, code });
    expect(reused.status).toBe(401);
    expect(reused.json.errors).toEqual([{ code: 'unauthorized', message: 'Unauthorized Code' }]);

    const formToken = await exchange({ ...credentials, code: await codeFor('ws1') }, true);
    expect(formToken.status).toBe(200);
    expect(formToken.json.token).not.toBe(token.json.token);
  });

  it('401 for a code that lost its "=", an expired code or a wrong client secret', async () => {
    const clock = manualClock();
    h = await startIntercom({ now: clock.now });

    const truncated = await exchange({ ...credentials, code: (await codeFor('ws1')).replace(/=+$/, '') });
    expect(truncated.status).toBe(401);
    expect(truncated.json.errors[0].message).toBe('Unauthorized Code');

    const wrongSecret = await exchange({ ...credentials, client_secret: 'nope', code: await codeFor('ws1') });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json.errors[0].code).toBe('unauthorized');

    const code = await codeFor('ws1');
    clock.advance(5 * 60_000 + 1);
    const expired = await exchange({ ...credentials, code });
    expect(expired.status).toBe(401);
    expect(expired.json.errors[0].message).toBe('Unauthorized Code');
  });

  it('installs into the default OAuth workspace when the request names none', async () => {
    h = await startIntercom();
    const lazy = await exchange({
      ...credentials,
      code: new URL((await authorize({})).headers.get('location')!).searchParams.get('code')!,
    });
    const lazyMe = await h.call('GET', '/me', { token: lazy.json.token });
    expect(lazyMe.json.app.id_code).not.toBe('ws1');

    const other = h.sim.addWorkspace({ appId: 'ws2', region: 'AU' });
    h.sim.setOAuthWorkspace(other.appId);
    const chosen = await exchange({
      ...credentials,
      code: new URL((await authorize({})).headers.get('location')!).searchParams.get('code')!,
    });
    expect((await h.call('GET', '/me', { token: chosen.json.token })).json.app).toMatchObject({
      id_code: 'ws2',
      region: 'AU',
    });
  });
});

describe('Intercom simulator: uninstall', () => {
  it('POST /auth/uninstall revokes the token (401 token_revoked after) and POSTs {app_id} to the uninstall URL', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    h = await startIntercom({ uninstallUrl: `${receiver.url}/intercom/uninstall` });

    const res = await h.call('POST', '/auth/uninstall');
    expect(res.status).toBe(200);

    const after = await h.call('GET', '/me');
    expect(after.status).toBe(401);
    expect(after.json.errors).toEqual([{ code: 'token_revoked', message: 'Token revoked' }]);

    await h.sim.flush();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ method: 'POST', path: '/intercom/uninstall' });
    expect(JSON.parse(receiver.received[0]!.raw.toString())).toEqual({ app_id: 'ws1' });
    expect(receiver.received[0]!.headers['x-hub-signature']).toBeUndefined();
    expect(h.sim.uninstallNotifications).toEqual([
      { appId: 'ws1', url: `${receiver.url}/intercom/uninstall`, status: 200 },
    ]);
    expect(h.sim.uninstalledWorkspaces()).toEqual(['ws1']);
    expect(h.sim.revokedTokens()).toEqual([h.token]);
  });

  it('an uninstall in Intercom revokes every token of the workspace; consenting again reinstalls', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    h = await startIntercom({ uninstallUrl: receiver.url });
    const oauthToken = (await exchange({ ...credentials, code: await codeFor('ws1') })).json.token as string;

    await h.sim.uninstallFromIntercom('ws1');
    expect(JSON.parse(receiver.received[0]!.raw.toString())).toEqual({ app_id: 'ws1' });
    for (const token of [h.token, oauthToken]) expect((await h.call('GET', '/me', { token })).status).toBe(401);

    const fresh = (await exchange({ ...credentials, code: await codeFor('ws1') })).json.token as string;
    expect((await h.call('GET', '/me', { token: fresh })).status).toBe(200);
    expect(h.sim.uninstalledWorkspaces()).toEqual([]);
  });
});
