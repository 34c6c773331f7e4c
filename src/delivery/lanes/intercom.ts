import type { Db } from '../../db/client';
import { ConnectionRepository } from '../../connections/repository';
import { IntercomClient } from '../../intercom/client';
import { WorkspaceRateBudget } from '../../intercom/rate-budget';
import type { Services } from '../../runtime/services';
import type { DeliveryContext, RowResult } from '../../destination/actions/context';
import { deliverRow } from '../../destination/deliver-row';
import { actionForRow } from '../../destination/actions';
import { IdentityCache } from '../../destination/identity-cache';
import { EventTypeRegistry } from '../../destination/event-types';
import { DataAttributeRegistry } from '../../destination/attribute-registry';
import { IdentifyHashes } from '../../destination/identify-hashes';
import { cancelWaitingAdditions, unparkCohortMembers, unparkUser, type OutboxRow } from '../../destination/outbox';
import { CohortRecord } from '../../cohort/record';
import type { CohortSettings } from '../../cohort/settings';
import { CohortTags } from '../../cohort/tags';
import type { DestinationSettings } from '../../destination/settings';
import { SentEventLedger } from '../../loop-prevention';
import { AUTH_REVOKED_REASON, CONNECTION_ERROR_RETRY_MS, type RowOutcome } from '../../outcomes';
import { fatalHold, type DeliveryConnection, type GroupResult, type LaneDriver } from '../drain';
import { parseJsonColumn, type ClaimedRaw } from '../queue';

/** Why a sync's rows wait for its Intercom access token; replacing the token makes them due at once. */
export const TOKEN_MISSING_REASON = 'intercom_token_missing';
export const TOKEN_REVOKED_REASON = 'intercom_token_revoked';

/**
 * The `intercom` lane: Amplitude events and identifies accepted for destination syncs, and cohort memberships
 * accepted for cohort syncs, go to each sync's Intercom workspace: users in parallel (bounded), each user's rows
 * in order, every call through the workspace's shared rate budget.
 */
type OutboxLaneRow = OutboxRow & { connectionId: string };

const PER_CONNECTION = 200;
/**
 * Groups of a backlogged sync in flight at once: its next users' rows go while the current group's slowest user finishes.
 * A user's rows are never in two groups at once (`orderKey`), so each user's rows still go in order.
 */
const PER_CONNECTION_IN_FLIGHT = 4;

export function createIntercomLane(services: Services): LaneDriver<OutboxLaneRow> {
  const { db, env, urls } = services;
  const connections = new ConnectionRepository(db, services.secrets);
  const tokens = new Map<string, Promise<string | undefined>>();
  const tokenOf = (connectionId: string) => {
    let token = tokens.get(connectionId);
    if (!token) {
      token = connections.readSecret(connectionId, 'intercom_access_token');
      token.catch(() => tokens.delete(connectionId));
      tokens.set(connectionId, token);
    }
    return token;
  };

  /**
   * One context per connection for the whole drain, so what its caches learn (contacts, event-type slots,
   * attributes) serves the connection's later groups too. Keyed by the connection object, which the drain
   * replaces when the connection row changes (settings), so a new setting gets a new context.
   */
  const contexts = new WeakMap<DeliveryConnection, DeliveryContext>();
  function contextOf(connection: DeliveryConnection, token: string, workspaceId: string): DeliveryContext {
    let ctx = contexts.get(connection);
    if (!ctx || ctx.token !== token || ctx.workspaceId !== workspaceId) {
      ctx = contextFor(connection, token, workspaceId);
      contexts.set(connection, ctx);
    }
    return ctx;
  }

  function contextFor(connection: DeliveryConnection, token: string, workspaceId: string): DeliveryContext {
    const intercom = new IntercomClient({
      baseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
      version: env.INTERCOM_API_VERSION,
      budget: new WorkspaceRateBudget(db, workspaceId, { metrics: services.metrics }),
    });
    const cohort =
      connection.kind === 'intercom_cohort'
        ? (() => {
            const settings = connection.settings as unknown as CohortSettings;
            const record = new CohortRecord(db, connection.id);
            return {
              settings,
              record,
              tags: new CohortTags(record, intercom, token, settings),
              cancelWaitingAdditions: (change: Parameters<typeof cancelWaitingAdditions>[2]) =>
                cancelWaitingAdditions(db, connection.id, change),
            };
          })()
        : undefined;
    return {
      workspaceId,
      token,
      ...(cohort ? { cohort } : {}),
      settings: connection.settings as unknown as DestinationSettings,
      intercom,
      identities: new IdentityCache(db, workspaceId),
      eventTypes: new EventTypeRegistry(db, workspaceId, env.INTERCOM_EVENT_TYPE_LIMIT),
      attributes: new DataAttributeRegistry(db, workspaceId, intercom, token, env.INTERCOM_CUSTOM_ATTRIBUTE_LIMIT),
      identifyHashes: new IdentifyHashes(db, workspaceId),
      sentEvents: new SentEventLedger(
        db,
        workspaceId,
        (connection.settings as Partial<DestinationSettings>).amplitudeProjectId,
      ),
      policy: {
        metadataKeyLimit: env.INTERCOM_METADATA_KEY_LIMIT,
        parkScheduleMs: env.DESTINATION_PARK_SCHEDULE,
        parkMaxAgeMs: env.DESTINATION_PARK_MAX_AGE,
        retryWindowMs: env.DESTINATION_RETRY_WINDOW,
        missingTtlSeconds: Math.max(1, Math.round((env.DESTINATION_PARK_SCHEDULE[0] ?? 60_000) / 1000)),
      },
      now: () => Date.now(),
    };
  }

  return {
    table: 'destination_outbox',
    names: { delivered: 'sent', skipped: 'skipped', expired: 'expired', hasParkedSince: true },
    columns: ['insert_id', 'kind', 'payload', 'user_key', 'parked_since'],
    perConnection: PER_CONNECTION,
    claimLimit: 1_000,
    maxInFlight: 32,
    perConnectionInFlight: PER_CONNECTION_IN_FLIGHT,
    orderKey: 'user_key',
    // A disabled sync sends nothing and queues nothing.
    discardReason: 'sync_disabled',
    toRow: (raw: ClaimedRaw): OutboxLaneRow => ({
      id: Number(raw.id),
      connectionId: raw.connection_id,
      insertId: String(raw.insert_id),
      kind: raw.kind as OutboxRow['kind'],
      payload: parseJsonColumn<Record<string, unknown>>(raw.payload),
      userKey: String(raw.user_key),
      receivedAt: new Date(raw.received_at),
      attempts: raw.attempts,
      parkedSince: raw.parked_since ? new Date(raw.parked_since as string) : null,
    }),
    // `sent` counts events; a delivered identify counts as `identified` (with contacts_created/updated).
    counterFor: (o: RowOutcome, row: OutboxLaneRow) =>
      o.kind === 'delivered'
        ? row.kind === 'event'
          ? 'sent'
          : undefined
        : o.kind === 'later'
          ? undefined
          : `${o.kind}:${o.reason}`,
    direction: (kind) => (kind === 'intercom_cohort' ? 'cohort' : 'destination'),

    async deliver(connection: DeliveryConnection, rows: OutboxLaneRow[]): Promise<GroupResult> {
      const token = await tokenOf(connection.id);
      const workspaceId = connection.intercomWorkspaceId;
      if (!token || !workspaceId)
        return fatalHold(rows, TOKEN_MISSING_REASON, 'no Intercom access token is stored for this sync');
      const ctx = contextOf(connection, token, workspaceId);
      await prepareRows(ctx, rows, (err) =>
        services.logger.warn(
          { connectionId: connection.id, err: { message: (err as Error).message } },
          'bulk preparation of a group failed; its rows look up what they need themselves',
        ),
      );
      const results = await deliverByUser(ctx, rows, env.DESTINATION_CONCURRENCY);
      const revoked = results.find((r) => r.authRevoked);
      // The drain counts final outcomes itself (sent, skipped:<reason>, expired:<reason>); rows add the rest.
      const counters: Record<string, number> = {};
      for (const r of results) for (const [k, v] of Object.entries(r.counters)) counters[k] = (counters[k] ?? 0) + v;
      const unpark = [...new Set(results.flatMap((r) => (r.unparkUserKey ? [r.unparkUserKey] : [])))];
      const outcomes = results.map((r) => r.outcome);
      const result: GroupResult = {
        outcomes,
        counters,
        // The contact now exists: the user's parked rows go at once, this sync's and the workspace's cohort syncs'.
        afterSettle: unpark.length
          ? async (tx: Db) => {
              const ring = new Set<number>();
              for (const userKey of unpark) {
                await unparkUser(tx, connection.id, userKey);
                for (const shard of await unparkCohortMembers(tx, workspaceId, userKey)) ring.add(shard);
              }
              return { ringShards: [...ring] };
            }
          : undefined,
      };
      if (revoked) {
        const message = 'Intercom refused the access token (revoked or uninstalled); replace it to resume';
        const held = new Set(
          results
            .filter((r) => r.authRevoked || (r.outcome.kind === 'later' && r.outcome.reason === AUTH_REVOKED_REASON))
            .map((r) => r.outcome.id),
        );
        return {
          ...result,
          outcomes: [
            ...outcomes.filter((o) => !held.has(o.id)),
            ...fatalHold(
              [...held].map((id) => ({ id })),
              TOKEN_REVOKED_REASON,
              message,
            ).outcomes,
          ],
          fatal: { reason: TOKEN_REVOKED_REASON, message },
        };
      }
      return result;
    },
  };
}

/** Each action's bulk preparation of its rows in the group (best effort: a row does alone what this could not). */
async function prepareRows(
  ctx: DeliveryContext,
  rows: OutboxLaneRow[],
  onError: (err: unknown) => void,
): Promise<void> {
  for (const kind of new Set(rows.map((r) => r.kind))) {
    const action = actionForRow(kind);
    if (!action.prepare) continue;
    try {
      await action.prepare(
        ctx,
        rows.filter((r) => r.kind === kind),
      );
    } catch (err) {
      onError(err);
    }
  }
}

/** Users in parallel (bounded), each user's rows in order; after a revoked token, the rest just waits. */
async function deliverByUser(ctx: DeliveryContext, rows: OutboxLaneRow[], concurrency: number): Promise<RowResult[]> {
  const byUser = new Map<string, OutboxLaneRow[]>();
  for (const row of rows) byUser.set(row.userKey, [...(byUser.get(row.userKey) ?? []), row]);
  const queues = [...byUser.values()];
  const results: RowResult[] = [];
  let stop = false;
  const worker = async () => {
    for (let queue = queues.shift(); queue; queue = queues.shift()) {
      for (const row of queue) {
        if (stop) {
          results.push({
            outcome: { id: row.id, kind: 'later', delayMs: CONNECTION_ERROR_RETRY_MS, reason: AUTH_REVOKED_REASON },
            counters: {},
          });
          continue;
        }
        let result: RowResult;
        try {
          result = await deliverRow(ctx, row);
        } catch (err) {
          // A row that breaks delivery is settled with its message; it never fails the others.
          result = {
            outcome: { id: row.id, kind: 'expired', reason: 'internal_error', error: (err as Error).message },
            counters: {},
          };
        }
        if (result.authRevoked) stop = true;
        results.push(result);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
  return results;
}
