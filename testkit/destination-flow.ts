import type { ApiDriver } from './api-driver';
import { must } from './api-driver';
import { waitForConnection } from './connection';

/** Creates a destination sync against a fresh simulated workspace and returns what a user would keep. */
export async function createSync(h: ApiDriver, settings?: unknown, name = 'Test sync') {
  const workspace = h.intercom.addWorkspace({ name });
  const created = await h.admin('POST', '/api/destinations', {
    name,
    intercomAccessToken: workspace.accessToken,
    ...(settings ? { settings } : {}),
  });
  must(created.status === 201, `creating the connection answered ${created.status}: ${JSON.stringify(created.body)}`);
  return {
    appId: workspace.appId,
    token: workspace.accessToken,
    connectionId: created.body.connectionId as string,
    ingestKey: created.body.ingestKey as string,
  };
}

/**
 * Uploads events the way an Amplitude SDK does (HTTP V2 API). Like Amplitude, the endpoint strips ids
 * shorter than 5 characters unless the request lowers `min_id_length`; tests use short ids, so they do.
 */
export async function ingest(h: ApiDriver, ingestKey: string, events: Record<string, unknown>[]) {
  const response = await fetch(`${h.apiUrl}/2/httpapi`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: ingestKey, events, options: { min_id_length: 1 } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function updateSettings(h: ApiDriver, connectionId: string, patch: unknown) {
  return h.admin('PATCH', `/api/destinations/${connectionId}/settings`, patch);
}

export const waitForSync = waitForConnection;

let clock = Date.UTC(2026, 10, 1);
/** An Amplitude event with a distinct, whole-second time (Intercom dedupes on user + name + second). */
export function amplitudeEvent(eventType: string, fields: Record<string, unknown> = {}) {
  clock += 1000;
  return {
    event_type: eventType,
    time: clock,
    insert_id: `ins-${clock}-${Math.random().toString(36).slice(2)}`,
    ...fields,
  };
}
