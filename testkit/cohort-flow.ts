import type { ApiDriver } from './api-driver';
import { must } from './api-driver';
import { waitForConnection } from './connection';

/**
 * A cohort sync against a simulated workspace (a fresh one unless given), and what a user keeps: its id and the
 * ingest key Amplitude's Cohort Webhooks destination sends in its custom header.
 */
export async function createCohortSync(
  h: ApiDriver,
  options: { settings?: unknown; workspace?: { appId: string; accessToken: string }; name?: string } = {},
) {
  const name = options.name ?? 'Test cohort sync';
  const workspace = options.workspace ?? h.intercom.addWorkspace({ name });
  const created = await h.admin('POST', '/api/cohort-syncs', {
    name,
    intercomAccessToken: workspace.accessToken,
    settings: options.settings ?? { status: 'enabled' },
  });
  must(created.status === 201, `creating the cohort sync answered ${created.status}: ${JSON.stringify(created.body)}`);
  return {
    appId: workspace.appId,
    token: workspace.accessToken,
    connectionId: created.body.connectionId as string,
    ingestKey: created.body.ingestKey as string,
    endpoint: created.body.endpoint as string,
  };
}

let batch = 0;

/** The Cohort Webhooks destination's default payload: one batch of users entering or leaving one cohort. */
export function cohortBatch(
  inCohort: boolean,
  userIds: readonly string[],
  options: { cohortId?: string; cohortName?: string; messageId?: string; computedTime?: number } = {},
) {
  batch += 1;
  return {
    cohort_name: options.cohortName ?? 'Power users',
    cohort_id: options.cohortId ?? 'coh1abc',
    in_cohort: inCohort,
    computed_time: String(options.computedTime ?? Math.floor(Date.now() / 1000)),
    message_id:
      options.messageId ?? `msg-${batch}-${Math.random().toString(36).slice(2)}::${inCohort ? 'enter' : 'exit'}::0`,
    users: userIds.map((user_id) => ({ user_id })),
  };
}

/** Posts a cohort webhook as Amplitude does, the ingest key in the custom header. */
export async function postCohort(h: ApiDriver, ingestKey: string | undefined, body: unknown) {
  const response = await fetch(`${h.apiUrl}/amplitude/cohorts`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Amplitude/Webhook/1.0',
      ...(ingestKey ? { authorization: `Bearer ${ingestKey}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

export const waitForCohortSync = waitForConnection;
