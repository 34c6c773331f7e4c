import type { ApiDriver } from './api-driver';
import { eventually } from './eventually';

/** Polls a connection's status (sources and destination syncs alike) until `predicate` holds, returning it. */
export async function waitForConnection(
  h: ApiDriver,
  connectionId: string,
  predicate: (status: any) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  return eventually(
    async () => {
      const response = await h.admin('GET', `/api/connections/${connectionId}`);
      if (response.status !== 200 || !predicate(response.body)) {
        throw new Error(
          `connection status not reached yet (HTTP ${response.status}): ${JSON.stringify(response.body)}`,
        );
      }
      return response.body;
    },
    { timeoutMs, intervalMs: 150 },
  );
}
