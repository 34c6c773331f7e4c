import type { ApiDriver } from './api-driver';
import { must } from './api-driver';
import { waitForConnection } from './connection';

/**
 * Drives onboarding the way a user does: create the source, follow the authorize URL through the
 * Intercom simulator's consent screen, land on our OAuth callback.
 */
export async function onboardSource(
  h: ApiDriver,
  options: { projectId: string; appId: string; identityMapping?: 'user_id' | 'email'; amplitudeApiKey?: string },
): Promise<{ connectionId: string; workflowId: string; callbackStatus: number }> {
  const created = await h.admin('POST', '/api/sources', {
    amplitudeProjectId: options.projectId,
    amplitudeApiKey: options.amplitudeApiKey ?? `amp-key-${options.projectId}`,
    ...(options.identityMapping ? { identityMapping: options.identityMapping } : {}),
  });
  must(created.status === 201, `creating the connection answered ${created.status}: ${JSON.stringify(created.body)}`);
  const callbackStatus = await authorize(h, created.body.authorizeUrl, options.appId);
  return { connectionId: created.body.connectionId, workflowId: created.body.workflowId, callbackStatus };
}

/** Consent in the simulator for `appId`, then call our callback with what Intercom redirected to. */
export async function authorize(h: ApiDriver, authorizeUrl: string, appId: string): Promise<number> {
  const consent = new URL(authorizeUrl);
  consent.searchParams.set('workspace', appId);
  const redirect = await fetch(consent, { redirect: 'manual' });
  must(redirect.status === 302, `the consent screen answered ${redirect.status}`);
  const callback = await fetch(redirect.headers.get('location')!, { headers: { accept: 'application/json' } });
  return callback.status;
}

export async function sourceStatus(h: ApiDriver, connectionId: string): Promise<any> {
  const response = await h.admin('GET', `/api/connections/${connectionId}`);
  must(response.status === 200, `status answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

export const waitForSource = waitForConnection;
