import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../src/db/client';
import { ConnectionRepository, addCounters, readCounters } from '../src/connections/repository';
import type { Services } from '../src/runtime/services';
import { IntercomClient } from '../src/intercom/client';
import { WorkspaceRateBudget } from '../src/intercom/rate-budget';
import type { DestinationSettings } from '../src/destination/settings';
import {
  claimOutboxRows,
  outboxSummary,
  requeueWindow,
  settleOutboxRows,
  skipAllPending,
  unparkUser,
  type OutboxRow,
} from '../src/destination/outbox';
import { deliverRow, type DeliveryContext, type RowResult } from '../src/destination/delivery';
import { IdentityCache } from '../src/destination/identity-cache';
import { EventTypeRegistry } from '../src/destination/event-types';
import { DataAttributeRegistry } from '../src/destination/data-attributes';
import { IdentifyHashes } from '../src/destination/identify-hashes';

export interface DestinationDeliveryReport {
  processed: number;
  counters: Record<string, number>;
  pending: number;
  parked: number;
  nextDueAt?: number;
  more: boolean;
  lastSentAt?: number;
  lastError?: string;
  /** Intercom refused the access token: the workflow stops sending until new credentials arrive. */
  authRevoked?: boolean;
}

const CLAIM_SIZE = 200;
const DRAIN_BUDGET_MS = 30_000;

export function createDestinationActivities(services: Services) {
  const { db, env, logger, metrics, urls } = services;
  const connections = new ConnectionRepository(db, services.secrets);

  async function report(
    connectionId: string,
    partial: Partial<DestinationDeliveryReport> = {},
  ): Promise<DestinationDeliveryReport> {
    const summary = await outboxSummary(db, connectionId);
    return {
      processed: 0,
      ...partial,
      counters: await readCounters(db, connectionId),
      pending: summary.pending,
      parked: summary.parked,
      nextDueAt: summary.nextDueAt,
      more: !partial.authRevoked && summary.due > 0,
    };
  }

  /** Delivers a batch: users in parallel (bounded), each user's rows in order. */
  async function deliverBatch(ctx: DeliveryContext, rows: OutboxRow[]): Promise<RowResult[]> {
    const byUser = new Map<string, OutboxRow[]>();
    for (const row of rows) byUser.set(row.userKey, [...(byUser.get(row.userKey) ?? []), row]);
    const queues = [...byUser.values()];
    const results: RowResult[] = [];
    let stop = false;
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const row of queue) {
          if (stop) {
            results.push({
              outcome: { id: row.id, status: 'later', delayMs: 60_000, reason: 'auth_revoked' },
              counters: {},
            });
            continue;
          }
          const result = await deliverRow(ctx, row);
          if (result.authRevoked) stop = true;
          results.push(result);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(env.DESTINATION_CONCURRENCY, queues.length) }, worker));
    return results;
  }

  async function settle(connectionId: string, rows: OutboxRow[], results: RowResult[]): Promise<void> {
    const deltas: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.counters)) deltas[k] = (deltas[k] ?? 0) + v;
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await settleOutboxRows(
        t,
        results.map((r) => r.outcome),
      );
      for (const userKey of new Set(results.flatMap((r) => (r.unparkUserKey ? [r.unparkUserKey] : [])))) {
        await unparkUser(t, connectionId, userKey);
      }
      await addCounters(t, connectionId, deltas);
    });
    const received = new Map(rows.map((r) => [r.id, r.receivedAt.getTime()]));
    const now = Date.now();
    for (const r of results) {
      if (r.outcome.status === 'sent') {
        metrics.delivered.inc({ direction: 'destination' });
        metrics.deliveryLatency.observe(
          { direction: 'destination' },
          (now - (received.get(r.outcome.id) ?? now)) / 1000,
        );
      } else if (r.outcome.status === 'skipped' || r.outcome.status === 'expired') {
        metrics.dropped.inc({ direction: 'destination', reason: r.outcome.reason });
      }
    }
  }

  return {
    /** Drains due outbox rows of one sync into Intercom for up to DRAIN_BUDGET_MS. Idempotent per row. */
    async deliverDestinationEvents(input: {
      connectionId: string;
      settings: DestinationSettings;
    }): Promise<DestinationDeliveryReport> {
      const activity = Context.current();
      const owner = `${activity.info.workflowExecution?.workflowId ?? 'standalone'}/${activity.info.activityId}`;
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      const workspaceId = connection.intercomWorkspaceId;
      if (!token || !workspaceId) {
        return report(input.connectionId, {
          authRevoked: true,
          lastError: 'no Intercom access token is stored for this sync',
        });
      }
      const intercom = new IntercomClient({
        baseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
        version: env.INTERCOM_API_VERSION,
        budget: new WorkspaceRateBudget(db, workspaceId, { onWait: () => activity.heartbeat() }),
      });
      const ctx: DeliveryContext = {
        db,
        workspaceId,
        token,
        settings: input.settings,
        intercom,
        identities: new IdentityCache(db, workspaceId),
        eventTypes: new EventTypeRegistry(db, workspaceId, env.INTERCOM_EVENT_TYPE_LIMIT),
        attributes: new DataAttributeRegistry(db, workspaceId, intercom, token, env.INTERCOM_CUSTOM_ATTRIBUTE_LIMIT),
        identifyHashes: new IdentifyHashes(db, workspaceId),
        policy: {
          metadataKeyLimit: env.INTERCOM_METADATA_KEY_LIMIT,
          parkScheduleMs: env.DESTINATION_PARK_SCHEDULE,
          parkMaxAgeMs: env.DESTINATION_PARK_MAX_AGE,
          retryWindowMs: env.DESTINATION_RETRY_WINDOW,
          missingTtlSeconds: Math.max(1, Math.round((env.DESTINATION_PARK_SCHEDULE[0] ?? 60_000) / 1000)),
        },
        now: () => Date.now(),
      };

      const started = Date.now();
      let processed = 0;
      let lastSentAt: number | undefined;
      let lastError: string | undefined;
      let authRevoked = false;
      while (Date.now() - started < DRAIN_BUDGET_MS && !authRevoked) {
        const rows = await claimOutboxRows(db, input.connectionId, owner, CLAIM_SIZE);
        if (rows.length === 0) break;
        processed += rows.length;
        const results = await deliverBatch(ctx, rows);
        await settle(input.connectionId, rows, results);
        for (const r of results) {
          if (r.outcome.status === 'sent') lastSentAt = Date.now();
          if (r.error) lastError = r.error;
          if (r.authRevoked) authRevoked = true;
        }
        activity.heartbeat({ processed });
      }
      if (authRevoked)
        logger.warn(
          { connectionId: input.connectionId },
          'Intercom refused the sync token; delivery stops until it is replaced',
        );
      return report(input.connectionId, { processed, lastSentAt, lastError, authRevoked });
    },

    /** Disabled syncs keep nothing queued: pending rows are recorded as skipped with the reason. */
    async skipPendingDestinationRows(input: {
      connectionId: string;
      reason: string;
    }): Promise<DestinationDeliveryReport> {
      const skipped = await skipAllPending(db, input.connectionId, input.reason);
      if (skipped > 0) await addCounters(db, input.connectionId, { [`skipped:${input.reason}`]: skipped });
      return report(input.connectionId);
    },

    async saveDestinationSettings(input: { connectionId: string; settings: DestinationSettings }): Promise<void> {
      await connections.update(input.connectionId, { settings: input.settings });
    },

    async replayDestinationWindow(input: { connectionId: string; from: string; to: string }): Promise<number> {
      const from = new Date(input.from);
      const to = new Date(input.to);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
        throw ApplicationFailure.nonRetryable('replay needs a valid window with from < to', 'InvalidReplayWindow');
      }
      return requeueWindow(db, input.connectionId, from, to);
    },

    /** Deleting a sync: forget its token and ingest key, record what was queued as skipped. */
    async disconnectDestination(input: { connectionId: string }): Promise<{ counters: Record<string, number> }> {
      await connections.update(input.connectionId, { status: 'Disconnected', ingestKeyHash: null });
      await connections.deleteSecret(input.connectionId, 'intercom_access_token');
      const skipped = await skipAllPending(db, input.connectionId, 'disconnected');
      if (skipped > 0) await addCounters(db, input.connectionId, { 'skipped:disconnected': skipped });
      return { counters: await readCounters(db, input.connectionId) };
    },
  };
}
