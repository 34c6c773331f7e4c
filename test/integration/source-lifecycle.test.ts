import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client';
import { itemForTopic, WEBHOOK_TOPIC_GROUPS } from '../../testkit/simulators/intercom';
import { ConnectionStatusKey } from '../../workflows/search-attributes';
import { startHarness, uniqueId, type Harness } from '../support/harness';
import { eventually } from '../../testkit/eventually';
import { authorize, onboardSource, sourceStatus, waitForSource } from '../../testkit/source-flow';

/**
 * The whole source lifecycle on a real Temporal dev server, real Postgres and the simulators:
 * onboarding → first event → streaming of every topic group → disconnect → reconnect.
 */
describe('Intercom source connection lifecycle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function webhook(appId: string, topic: string, contact: Record<string, unknown> = {}) {
    const item = itemForTopic(topic, {
      appId,
      contact: { externalId: 'user-42', email: 'Ada@Example.com', ...contact },
    });
    return h.intercom.deliverWebhook(`${h.apiUrl}/intercom/webhooks`, { appId, topic, item });
  }

  async function inboxCount(connectionId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      h.database.db,
      sql`SELECT count(*)::int AS n FROM source_inbox WHERE connection_id = ${connectionId}`,
    );
    return row!.n;
  }

  it('onboards, listens, streams every topic group, disconnects and reconnects', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Acme' });
    const projectId = uniqueId('proj');
    const created = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: projectId,
      amplitudeApiKey: 'amp-secret-key-1',
    });
    expect(created.status).toBe(201);
    const connectionId = created.body.connectionId;
    expect(created.body.workflowId).toBe(`intercom-source-${projectId}`);
    expect((await sourceStatus(h, connectionId)).phase).toBe('authorizing');

    // A forged or reused state is refused with a clear 400 and stores nothing.
    const forged = await fetch(`${h.apiUrl}/oauth/intercom/callback?code=abc&state=forged`, {
      headers: { accept: 'application/json' },
    });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: string }).error).toMatch(/state is not one we issued/);

    expect(await authorize(h, created.body.authorizeUrl, appId)).toBe(200);
    const replay = new URL(created.body.authorizeUrl);
    const reused = await fetch(
      `${h.apiUrl}/oauth/intercom/callback?code=again&state=${replay.searchParams.get('state')}`,
      {
        headers: { accept: 'application/json' },
      },
    );
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: string }).error).toMatch(/already used/);

    // Authorized but no identity mapping yet: configuring; a bad choice is rejected by the update's validator.
    const configuring = await waitForSource(h, connectionId, (s) => s.phase === 'configuring');
    expect(configuring.workspaceId).toBe(appId);
    const bad = await h.admin('PATCH', `/api/sources/${connectionId}/settings`, { identityMapping: 'phone' });
    expect(bad.status).toBe(400);
    const good = await h.admin('PATCH', `/api/sources/${connectionId}/settings`, { identityMapping: 'email' });
    expect(good.status).toBe(200);
    expect(good.body.settings).toEqual({ identityMapping: 'email' });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening' && s.status === 'Listening');

    // The first event turns the connection Connected, in the query and as a search attribute.
    const beforeFirstEvent = Date.now();
    expect((await webhook(appId, 'contact.user.created')).status).toBe(200);
    const connected = await waitForSource(h, connectionId, (s) => s.status === 'Connected' && s.delivered === 1);
    // Connected when the first event was delivered: after it was sent, before we saw the status.
    const connectedAt = Date.parse(connected.connectedAt);
    expect(connectedAt).toBeGreaterThanOrEqual(beforeFirstEvent);
    expect(connectedAt).toBeLessThanOrEqual(Date.now());
    const description = await h.client.workflow.getHandle(created.body.workflowId).describe();
    expect(description.typedSearchAttributes.get(ConnectionStatusKey)).toBe('Connected');

    // Every topic group, old and new names.
    const topics = [
      ...WEBHOOK_TOPIC_GROUPS.conversation.slice(0, 4),
      'contact.lead.created',
      'contact.created',
      'contact.lead.tag.created',
      'contact.tag.created',
      'user.created',
      'contact.user.updated',
      'user.tag.created',
      'contact.user.tag.created',
      'visitor.signed_up',
      'event.created',
    ];
    const statuses: number[] = [];
    const beforeTopics = Date.now();
    for (const topic of topics) statuses.push((await webhook(appId, topic, { id: uniqueId('c') })).status);
    expect(statuses).toEqual(topics.map(() => 200));
    const streamed = await waitForSource(h, connectionId, (s) => s.delivered === 1 + topics.length);
    expect(streamed.dropped).toEqual({});
    expect(streamed.received).toBe(1 + topics.length);
    const types = new Set(h.amplitude.events.map((e) => e.event.event_type));
    expect(types).toEqual(
      new Set([
        '[Intercom] contact.user.created',
        '[Intercom] conversation.user.created',
        '[Intercom] conversation.user.replied',
        '[Intercom] conversation.admin.replied',
        '[Intercom] conversation.admin.single.created',
        '[Intercom] contact.lead.created',
        '[Intercom] contact.lead.tag.created',
        '[Intercom] contact.user.updated',
        '[Intercom] contact.user.tag.created',
        '[Intercom] visitor.signed_up',
        '[Intercom] event.created',
        // Legacy (1.x) topics keep the name Intercom sent, as Amplitude's own source names them.
        '[Intercom] contact.created',
        '[Intercom] contact.tag.created',
        '[Intercom] user.created',
        '[Intercom] user.tag.created',
      ]),
    );
    // The email mapping: emails, as sent, are Amplitude's user_id; an admin-started conversation names its
    // contact without an email, and Intercom knows no such contact, so it falls back to the Intercom user id.
    const byUser = (id: string) =>
      h.amplitude.events.filter((e) => e.event.user_id === id).map((e) => e.event.event_type);
    expect(byUser('user-42')).toEqual(['[Intercom] conversation.admin.single.created']);
    expect(byUser('Ada@Example.com')).toHaveLength(topics.length);
    // When the newest of these events was delivered: after they were sent, and not in the future.
    const lastEventAt = Date.parse(streamed.lastEventAt);
    expect(lastEventAt).toBeGreaterThanOrEqual(Math.floor(beforeTopics / 1000) * 1000);
    expect(lastEventAt).toBeLessThanOrEqual(Date.now());
    const oauthToken = await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token');
    expect(oauthToken).toBeTruthy();

    // Disconnect from our side: token revoked at Intercom, secret deleted, workflow completed.
    expect((await h.admin('POST', `/api/connections/${connectionId}/disconnect`)).status).toBe(202);
    const result = await h.client.workflow.getHandle(created.body.workflowId).result();
    expect(result.status).toBe('Disconnected');
    expect(h.intercom.revokedTokens()).toContain(oauthToken);
    const secrets = await queryRows<{ kind: string }>(
      h.database.db,
      sql`SELECT kind FROM credentials WHERE connection_id = ${connectionId}`,
    );
    expect(secrets.map((s) => s.kind)).toEqual(['amplitude_api_key']);

    // Later webhooks for the workspace are acknowledged (never 410) but not stored or delivered.
    const before = await inboxCount(connectionId);
    expect((await webhook(appId, 'contact.user.created', { id: uniqueId('late') })).status).toBe(200);
    expect(await inboxCount(connectionId)).toBe(before);

    // Reconnect: a new run of the same workflow id, OAuth again, streaming again.
    const again = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: projectId,
      amplitudeApiKey: 'amp-secret-key-1',
    });
    expect(again.status).toBe(201);
    expect(await authorize(h, again.body.authorizeUrl, appId)).toBe(200);
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    const deliveredBefore = h.amplitude.events.length;
    expect((await webhook(appId, 'contact.user.created', { id: uniqueId('again') })).status).toBe(200);
    await waitForSource(h, connectionId, (s) => s.status === 'Connected');
    await eventually(() => expect(h.amplitude.events.length).toBe(deliveredBefore + 1));
  });
});

describe('Intercom source: OAuth state', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('refuses an expired state with a clear 400 and stores no token', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Slow' });
    const created = await h.admin('POST', '/api/sources', {
      amplitudeProjectId: uniqueId('slow'),
      amplitudeApiKey: 'amp-key',
    });
    await h.database.db.execute(
      sql`UPDATE oauth_states SET expires_at = now() - interval '1 minute' WHERE connection_id = ${created.body.connectionId}`,
    );
    expect(await authorize(h, created.body.authorizeUrl, appId)).toBe(400);
    const secrets = await queryRows<{ kind: string }>(
      h.database.db,
      sql`SELECT kind FROM credentials WHERE connection_id = ${created.body.connectionId}`,
    );
    expect(secrets.map((s) => s.kind)).toEqual(['amplitude_api_key']);
    const [state] = await queryRows<{ state_hash: string }>(
      h.database.db,
      sql`SELECT state_hash FROM oauth_states WHERE connection_id = ${created.body.connectionId}`,
    );
    expect(state!.state_hash).toMatch(/^[0-9a-f]{64}$/); // only the hash is kept
    expect(new URL(created.body.authorizeUrl).searchParams.get('state')).not.toBe(state!.state_hash);
  });
  it('refuses a state issued before a disconnect, before and after the connection is created again', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Revisited' });
    const projectId = uniqueId('revisit');
    const { connectionId, workflowId } = await onboardSource(h, { projectId, appId, identityMapping: 'user_id' });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    // Two authorization links handed out while connected (say, left open in browser tabs).
    const early = (await h.admin('POST', `/api/sources/${connectionId}/authorize`)).body.authorizeUrl as string;
    const later = (await h.admin('POST', `/api/sources/${connectionId}/authorize`)).body.authorizeUrl as string;
    expect((await h.admin('POST', `/api/connections/${connectionId}/disconnect`)).status).toBe(202);
    await h.client.workflow.getHandle(workflowId).result();

    expect(await authorize(h, early, appId)).toBe(409);
    expect((await h.api.connections.repository.get(connectionId))!.status).toBe('Disconnected');
    expect(await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token')).toBeUndefined();

    const again = await h.admin('POST', '/api/sources', { amplitudeProjectId: projectId, amplitudeApiKey: 'k' });
    expect(again.status).toBe(201);
    expect(await authorize(h, later, appId)).toBe(400); // voided when the connection was created again
    expect(await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token')).toBeUndefined();
    expect(await authorize(h, again.body.authorizeUrl, appId)).toBe(200);
  });

  it('refuses a re-authorisation that would switch the connection to another workspace', async () => {
    const first = h.intercom.addWorkspace({ name: 'Home' });
    const other = h.intercom.addWorkspace({ name: 'Elsewhere' });
    const { connectionId } = await onboardSource(h, {
      projectId: uniqueId('home'),
      appId: first.appId,
      identityMapping: 'user_id',
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');
    const token = await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token');
    const url = (await h.admin('POST', `/api/sources/${connectionId}/authorize`)).body.authorizeUrl as string;
    expect(await authorize(h, url, other.appId)).toBe(409);
    const connection = await h.api.connections.repository.get(connectionId);
    expect(connection!.intercomWorkspaceId).toBe(first.appId);
    expect(await h.api.connections.repository.readSecret(connectionId, 'intercom_access_token')).toBe(token);
    // Re-authorising the same workspace still renews the token.
    const renew = (await h.admin('POST', `/api/sources/${connectionId}/authorize`)).body.authorizeUrl as string;
    expect(await authorize(h, renew, first.appId)).toBe(200);
  });
});

describe('Intercom source: uninstall and loop prevention', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('disconnects when the workspace uninstalls the app in Intercom, and ignores an unconfirmed notice', async () => {
    const { appId } = h.intercom.addWorkspace({ name: 'Uninstaller' });
    const { connectionId, workflowId } = await onboardSource(h, {
      projectId: uniqueId('u'),
      appId,
      identityMapping: 'user_id',
    });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');

    // Anyone can POST an unsigned notice; while the token still works, the workflow keeps running.
    const forged = await fetch(`${h.apiUrl}/intercom/uninstall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: appId }),
    });
    expect(forged.status).toBe(200);
    const ignored = await waitForSource(h, connectionId, (s) =>
      s.lastError?.message?.includes('uninstall notice ignored'),
    );
    expect(ignored.phase).toBe('listening');

    await h.intercom.uninstallFromIntercom(appId);
    const result = await h.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'Disconnected', reason: 'intercom_uninstall' });
    const [row] = await queryRows<{ status: string }>(
      h.database.db,
      sql`SELECT status FROM connections WHERE id = ${connectionId}`,
    );
    expect(row!.status).toBe('Disconnected');
  });

  it('does not import the event.created echoes of events our destination sent to the same workspace', async () => {
    const { appId, accessToken } = h.intercom.addWorkspace({ name: 'Both ways' });
    h.intercom.seedContacts(appId, [{ externalId: 'loop-user', email: 'loop@example.com' }]);
    const { connectionId } = await onboardSource(h, { projectId: uniqueId('loop'), appId, identityMapping: 'user_id' });
    await waitForSource(h, connectionId, (s) => s.phase === 'listening');

    const sync = await h.admin('POST', '/api/destinations', { name: 'loop', intercomAccessToken: accessToken });
    expect(sync.status).toBe(201);
    await h.admin('PATCH', `/api/destinations/${sync.body.connectionId}/settings`, {
      sendEvents: { enabled: true, eventFilter: { eventTypes: ['Upgraded'] } },
      status: 'enabled',
    });
    const upload = await fetch(`${h.apiUrl}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: sync.body.ingestKey,
        events: [{ event_type: 'Upgraded', user_id: 'loop-user', time: Date.now() }],
      }),
    });
    expect(upload.status).toBe(200);

    // Intercom fires event.created for the event we wrote; the source recognises it as our own echo.
    const echoed = await waitForSource(h, connectionId, (s) => (s.dropped.loop_echo ?? 0) === 1);
    expect(echoed.delivered).toBe(0);

    // An event someone else creates in Intercom is still imported.
    const direct = await fetch(`${h.intercomUrl}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event_name: 'opened-app',
        created_at: Math.floor(Date.now() / 1000),
        user_id: 'loop-user',
      }),
    });
    expect(direct.status).toBe(202);
    await waitForSource(h, connectionId, (s) => s.delivered === 1);
    expect(
      h.amplitude.events
        .filter((e) => e.event.event_type === '[Intercom] event.created')
        .map((e) => e.event.event_properties?.event_name),
    ).toEqual(['opened-app']);
  });
});

describe('Intercom source: two Amplitude projects on one workspace', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('drops echoes only for the project the sync feeds, and disconnecting one project leaves the other streaming', async () => {
    const { appId, accessToken } = h.intercom.addWorkspace({ name: 'Two projects' });
    h.intercom.seedContacts(appId, [{ externalId: 'shared-user' }]);
    const projectA = uniqueId('pa');
    const projectB = uniqueId('pb');
    const a = await onboardSource(h, { projectId: projectA, appId, identityMapping: 'user_id' });
    const b = await onboardSource(h, { projectId: projectB, appId, identityMapping: 'user_id' });
    await waitForSource(h, a.connectionId, (s) => s.phase === 'listening');
    await waitForSource(h, b.connectionId, (s) => s.phase === 'listening');

    // A sync fed by project A writes an event into the workspace; Intercom echoes it as event.created.
    const sync = await h.admin('POST', '/api/destinations', {
      name: 'A to Intercom',
      intercomAccessToken: accessToken,
    });
    expect(sync.status).toBe(201);
    const settings = await h.admin('PATCH', `/api/destinations/${sync.body.connectionId}/settings`, {
      sendEvents: { enabled: true, eventFilter: { eventTypes: ['Upgraded'] } },
      amplitudeProjectId: projectA,
      status: 'enabled',
    });
    expect(settings.status).toBe(200);
    const upload = await fetch(`${h.apiUrl}/2/httpapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: sync.body.ingestKey,
        events: [{ event_type: 'Upgraded', user_id: 'shared-user', time: Date.now() }],
      }),
    });
    expect(upload.status).toBe(200);

    // Project A would get its own event back: dropped. Project B never had it: imported.
    await waitForSource(h, a.connectionId, (s) => (s.dropped.loop_echo ?? 0) === 1);
    await waitForSource(h, b.connectionId, (s) => s.delivered === 1);
    expect((await sourceStatus(h, a.connectionId)).delivered).toBe(0);
    expect(
      h.amplitude.events
        .filter((e) => e.apiKey === `amp-key-${projectB}`)
        .map((e) => [e.event.event_type, e.event.event_properties?.event_name]),
    ).toEqual([['[Intercom] event.created', 'upgraded']]);

    // Disconnecting A keeps our app installed (B still uses its token): B streams on.
    expect((await h.admin('POST', `/api/connections/${a.connectionId}/disconnect`)).status).toBe(202);
    await waitForSource(h, a.connectionId, (s) => s.phase === 'disconnected');
    expect(h.intercom.requests.filter((r) => r.path === '/auth/uninstall')).toHaveLength(0);
    expect(h.intercom.workspace(appId).installed).toBe(true);
    const created = await fetch(`${h.intercomUrl}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'user', external_id: 'after-a-left' }),
    });
    expect(created.status).toBe(200);
    const streaming = await waitForSource(h, b.connectionId, (s) => s.delivered === 2);
    expect(streaming.status).toBe('Connected');
    // B's OAuth token is still accepted by Intercom (its daily check would otherwise disconnect it).
    const tokenB = await h.api.connections.repository.readSecret(b.connectionId, 'intercom_access_token');
    const me = await fetch(`${h.intercomUrl}/me`, { headers: { authorization: `Bearer ${tokenB}` } });
    expect(me.status).toBe(200);
  });
});
