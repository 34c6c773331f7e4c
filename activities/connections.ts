import { Context } from '@temporalio/activity';
import {
  ConnectionRepository,
  addCounters,
  type DeliveryState,
  type ShardPlacement,
} from '../src/connections/repository';
import type { Services } from '../src/runtime/services';
import { IntercomClient } from '../src/intercom/client';
import { INTERCOM_REASONS } from '../src/intercom/errors';
import { WorkspaceRateBudget } from '../src/intercom/rate-budget';
import { toApplicationFailure } from '../src/outcomes';
import { dueCount, hasPendingRows, settleAllPending } from '../src/delivery/queue';
import { laneOf, LANE_TABLE } from '../src/delivery/shards';
import { requeueWindow } from '../src/destination/outbox';
import { signalShard } from '../src/temporal/shard-signal';

export type { DeliveryState } from '../src/connections/repository';

/**
 * What the connection workflows do besides waiting: publish their status, save settings, check and
 * revoke Intercom access, and take a connection apart. Each is idempotent (safe to run twice).
 */
export function createConnectionActivities(services: Services) {
  const { db, env, logger, urls } = services;
  const connections = new ConnectionRepository(db, services.secrets);

  /**
   * Rings the connection's delivery shard (signal-with-start), so rows that became claimable go now; with
   * `ifPending`, only when it has rows waiting there (a connection that starts delivering usually has none).
   */
  async function ringShard(connection: ShardPlacement, options: { ifPending?: boolean } = {}): Promise<void> {
    if (connection.deliveryShard === null) return; // not on a shard yet: the worker's rebalance rings none, rows wait for the first doorbell
    const lane = laneOf(connection.kind);
    if (options.ifPending && !(await hasPendingRows(db, LANE_TABLE[lane], connection.deliveryShard, connection.id)))
      return;
    const activity = Context.current();
    await signalShard(activity.client, activity.info.taskQueue, lane, connection.deliveryShard);
  }

  function intercomFor(region: 'US' | 'EU' | 'AU' | null, workspaceId: string | null) {
    return new IntercomClient({
      baseUrl: urls.intercomApi(region ?? 'US'),
      version: env.INTERCOM_API_VERSION,
      budget: workspaceId ? new WorkspaceRateBudget(db, workspaceId, { metrics: services.metrics }) : undefined,
    });
  }

  return {
    /**
     * The one writer of a connection's status and delivery state (called only by its workflow). A state
     * that lets delivery claim the rows rings the shard if rows wait, so they go at once. Rows whose insert read
     * the state before this write but commit after this look are rung for by the api (src/temporal/doorbell.ts).
     */
    async publishConnectionState(input: {
      connectionId: string;
      status: string;
      deliveryState: DeliveryState;
    }): Promise<void> {
      // The probe for pending rows reads after this write has committed (see the doorbell's look after commit).
      const placement = await connections.update(input.connectionId, {
        status: input.status,
        deliveryState: input.deliveryState,
      });
      if (placement && input.deliveryState !== 'held') await ringShard(placement, { ifPending: true });
    },

    async saveConnectionSettings(input: { connectionId: string; settings: unknown }): Promise<void> {
      await connections.update(input.connectionId, { settings: input.settings as Record<string, unknown> });
    },

    /**
     * Is our Intercom token still accepted? Only a confirmed 401/403 says no; a timeout, a 5xx or a 429 is
     * not an answer and fails the attempt, so Temporal retries it (through the workspace's rate budget).
     */
    async checkIntercomAccess(input: { connectionId: string }): Promise<'valid' | 'revoked' | 'no_token'> {
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      if (!token) return 'no_token';
      const me = await intercomFor(connection.intercomRegion, connection.intercomWorkspaceId).me(token);
      if (me.ok) return 'valid';
      if (me.status === 401 || me.status === 403) return 'revoked';
      // Whatever else Intercom answered says nothing about the token: retried on the policy's backoff.
      throw toApplicationFailure({
        kind: 'retry_after',
        reason: INTERCOM_REASONS.unavailable,
        message: `${me.failure.message}: not an answer about the token`,
      });
    },

    /**
     * Takes a source apart: forgets its token, drops what can no longer be delivered (reason `disconnected`),
     * and uninstalls our app from the workspace (POST /auth/uninstall) only when Intercom has not already
     * rejected the token and no other live connection of ours uses that workspace: uninstalling revokes the
     * app's access for all of them.
     */
    async disconnectSource(input: { connectionId: string; tokenRejected: boolean }): Promise<{ uninstalled: boolean }> {
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      let uninstalled = false;
      if (token && !input.tokenRejected && connection.intercomWorkspaceId) {
        const others = await connections.otherLiveSourcesOfWorkspace(connection.intercomWorkspaceId, connection.id);
        if (others === 0) {
          await intercomFor(connection.intercomRegion, connection.intercomWorkspaceId).uninstall(token);
          uninstalled = true;
        }
      }
      await connections.deleteSecret(input.connectionId, 'intercom_access_token');
      // What was accepted but can no longer be delivered is dropped with a reason, not left pending.
      const dropped = await settleAllPending(db, 'source_inbox', input.connectionId, 'dropped', 'disconnected');
      if (dropped > 0) await addCounters(db, input.connectionId, { 'dropped:disconnected': dropped });
      logger.info({ connectionId: input.connectionId, uninstalled }, 'source disconnected');
      return { uninstalled };
    },

    /** Deleting a sync: forget its token and ingest key, record what was queued as skipped. */
    async disconnectDestination(input: { connectionId: string }): Promise<void> {
      await connections.update(input.connectionId, { ingestKeyHash: null });
      await connections.deleteSecret(input.connectionId, 'intercom_access_token');
      const skipped = await settleAllPending(db, 'destination_outbox', input.connectionId, 'skipped', 'disconnected');
      if (skipped > 0) await addCounters(db, input.connectionId, { 'skipped:disconnected': skipped });
    },

    /** Re-queues a window of ingested events (Intercom dedupes what it already has) and rings the shard. */
    async replayDestinationWindow(input: { connectionId: string; from: string; to: string }): Promise<number> {
      const requeued = await requeueWindow(db, input.connectionId, new Date(input.from), new Date(input.to));
      if (requeued > 0) await ringShard(await connections.require(input.connectionId));
      return requeued;
    },

    /**
     * Waits (up to `timeoutMs`) until delivery has taken every row of the connection that is due now, so a
     * disconnect delivers what was accepted first. Rows scheduled for later (throttled, parked) don't wait.
     */
    async awaitDrained(input: { connectionId: string; timeoutMs: number }): Promise<number> {
      const activity = Context.current();
      const connection = await connections.require(input.connectionId);
      const table = LANE_TABLE[laneOf(connection.kind)];
      const deadline = Date.now() + input.timeoutMs;
      for (;;) {
        const due = await dueCount(db, table, input.connectionId);
        if (due === 0 || Date.now() > deadline) return due;
        activity.heartbeat(due);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}
