import { ApplicationFailure, Context } from '@temporalio/activity';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client';
import { queryRows } from '../src/db/client';
import { ConnectionRepository, addCounters, readCounters } from '../src/connections/repository';
import type { Services } from '../src/runtime/services';
import {
  UploadInterrupted,
  uploadEvents,
  type UploadItem,
  type UploadResult,
} from '../src/amplitude/client/upload-events';
import { echoCandidate, toAmplitudeEvent, type TransformOptions } from '../src/source/transform';
import type { IdentityMapping } from '../src/source/identity';
import { eventNamingOf, type SourceSettings } from '../src/source/connection-settings';
import {
  claimInboxRows,
  dropAllPending,
  markDelivered,
  markDropped,
  pendingSummary,
  retryLater,
  type InboxRow,
} from '../src/source/inbox';
import { IntercomClient } from '../src/intercom/client';
import {
  identityCounters,
  identityMemoryDeps,
  resolveIdentities,
  type RowIdentity,
} from '../src/source/identity-memory';

export interface SourceDeliveryReport {
  /** Rows taken from the inbox by this activity (delivered, dropped or put back). */
  processed: number;
  /** Absolute counters of the connection after this activity (delivered, dropped:<reason>). */
  counters: Record<string, number>;
  pending: number;
  /** When the earliest pending row that is not due yet becomes due (epoch ms). */
  nextDueAt?: number;
  /** More rows are due now: call again. */
  more: boolean;
  /** Newest Intercom notification time among the processed rows (epoch ms). */
  lastEventAt?: number;
  /** A partial failure this activity recovered from (the rest was put back for a retry). */
  lastError?: string;
}

/** Rows per claim; one claim is usually one Amplitude request (≤ 2,000 events, < 1 MB). */
const CLAIM_SIZE = 500;
/** How long one activity keeps draining before handing back to the workflow (keeps histories and heartbeats short). */
const DRAIN_BUDGET_MS = 20_000;
/**
 * Under a steady stream the activity lingers, polling the inbox, instead of returning as soon as it
 * is empty: one activity then serves many doorbells, which keeps Temporal's history (and cost) per
 * event small without adding latency. It returns after this long without new rows.
 */
const LINGER_MS = 1_000;
const LINGER_POLL_MS = 25;
/** After a partial failure, rows not sent go back to the inbox due this soon. */
const RETRY_AFTER_PROGRESS_MS = 1_000;

export function createSourceActivities(services: Services) {
  const { db, env, logger, metrics, urls } = services;
  const connections = new ConnectionRepository(db, services.secrets);

  function intercomFor(region: 'US' | 'EU' | 'AU' | null) {
    return new IntercomClient({ baseUrl: urls.intercomApi(region ?? 'US'), version: env.INTERCOM_API_VERSION });
  }

  /** Drops `event.created` rows that echo events our destination sent to this workspace. */
  async function findEchoes(workspaceId: string | null, rows: InboxRow[]): Promise<Set<number>> {
    if (!env.SOURCE_LOOP_PREVENTION || !workspaceId) return new Set();
    const candidates = rows
      .map((row) => ({ row, candidate: echoCandidate(row.payload) }))
      .filter((c) => c.candidate && c.candidate.userKeys.length > 0);
    if (candidates.length === 0) return new Set();
    const tuples = candidates.flatMap(({ row, candidate }) =>
      candidate!.userKeys.map(
        (key) => sql`(${row.id}::bigint, ${candidate!.eventName}, ${candidate!.createdAt}::bigint, ${key})`,
      ),
    );
    const matches = await queryRows<{ id: string | number }>(
      db,
      sql`SELECT DISTINCT c.id FROM (VALUES ${sql.join(tuples, sql`, `)}) AS c(id, event_name, created_at, user_key)
          JOIN intercom_sent_events s ON s.workspace_id = ${workspaceId} AND s.event_name = c.event_name
           AND s.created_at = c.created_at AND s.user_key = c.user_key`,
    );
    return new Set(matches.map((m) => Number(m.id)));
  }

  async function settle(
    connectionId: string,
    rows: Map<number, InboxRow>,
    upload: UploadResult<number>,
    drops: { id: number; reason: string }[],
    identities: ReadonlyMap<number, RowIdentity>,
  ): Promise<void> {
    const allDrops = [...drops, ...upload.dropped.map((d) => ({ id: d.ref, reason: d.reason }))];
    const identityDeltas = identityCounters(identities, upload.delivered);
    const deltas: Record<string, number> = { delivered: upload.delivered.length, ...identityDeltas };
    for (const d of allDrops) deltas[`dropped:${d.reason}`] = (deltas[`dropped:${d.reason}`] ?? 0) + 1;
    await db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      await markDelivered(t, upload.delivered);
      await markDropped(t, allDrops);
      const byDelay = new Map<string, number[]>();
      for (const r of upload.retryLater) {
        const key = `${r.delayMs}|${r.reason}`;
        byDelay.set(key, [...(byDelay.get(key) ?? []), r.ref]);
      }
      for (const [key, ids] of byDelay) {
        const [delay, reason] = key.split('|');
        await retryLater(t, ids, Number(delay), reason!);
      }
      await addCounters(t, connectionId, deltas);
    });
    const now = Date.now();
    metrics.delivered.inc({ direction: 'source' }, upload.delivered.length);
    for (const id of upload.delivered) {
      const row = rows.get(id);
      if (row) metrics.deliveryLatency.observe({ direction: 'source' }, (now - row.receivedAt.getTime()) / 1000);
    }
    for (const d of allDrops) metrics.dropped.inc({ direction: 'source', reason: d.reason });
    for (const [name, n] of Object.entries(identityDeltas)) metrics.sourceIdentity.inc({ how: name.split(':')[1] }, n);
  }

  return {
    /**
     * Drains due inbox rows of one connection into Amplitude for up to DRAIN_BUDGET_MS.
     * Idempotent: rows are leased, insert_ids are stable, and marks commit per batch.
     */
    async deliverSourceEvents(input: {
      connectionId: string;
      identityMapping: IdentityMapping;
    }): Promise<SourceDeliveryReport> {
      const info = Context.current().info;
      const owner = `${info.workflowExecution?.workflowId ?? 'standalone'}/${info.activityId}`;
      const connection = await connections.require(input.connectionId);
      const apiKey = await connections.readSecret(input.connectionId, 'amplitude_api_key');
      if (!apiKey)
        throw ApplicationFailure.nonRetryable(
          'no Amplitude API key is stored for this connection',
          'AmplitudeRejected',
        );
      const baseUrl = urls.amplitudeApi(connection.amplitudeRegion ?? 'US');
      const eventNaming = eventNamingOf(connection.settings);
      const activity = Context.current();
      const identityDeps = identityMemoryDeps({
        db,
        workspaceId: connection.intercomWorkspaceId,
        intercomBaseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
        intercomVersion: env.INTERCOM_API_VERSION,
        token: await connections.readSecret(input.connectionId, 'intercom_access_token'),
        ttlMs: env.IDENTITY_MEMORY_TTL,
        heartbeat: () => activity.heartbeat({ processed }),
      });

      const started = Date.now();
      let processed = 0;
      let lastEventAt: number | undefined;
      let delivered = 0;
      let lastError: string | undefined;
      let lastRowsAt = Date.now();
      while (Date.now() - started < DRAIN_BUDGET_MS && !activity.cancellationSignal.aborted) {
        const claimed = await claimInboxRows(db, input.connectionId, owner, CLAIM_SIZE);
        if (claimed.length === 0) {
          if (Date.now() - lastRowsAt >= LINGER_MS) break;
          activity.heartbeat({ processed });
          await new Promise((resolve) => setTimeout(resolve, LINGER_POLL_MS));
          continue;
        }
        lastRowsAt = Date.now();
        processed += claimed.length;
        const rows = new Map(claimed.map((r) => [r.id, r]));
        const echoes = await findEchoes(connection.intercomWorkspaceId, claimed);
        const notEchoes = claimed.filter((row) => !echoes.has(row.id));
        const identities = await resolveIdentities(notEchoes, input.identityMapping, identityDeps);
        const drops: { id: number; reason: string }[] = [];
        const items: UploadItem<number>[] = [];
        for (const row of claimed) {
          lastEventAt = Math.max(lastEventAt ?? 0, row.payload.created_at * 1000);
          if (echoes.has(row.id)) {
            drops.push({ id: row.id, reason: 'loop_echo' });
            continue;
          }
          const identity = identities.get(row.id)?.identity;
          const event = toEvent(row, { identityMapping: input.identityMapping, eventNaming, identity }, drops);
          if (event) items.push({ ref: row.id, event });
        }
        let upload: UploadResult<number>;
        try {
          upload =
            items.length > 0
              ? await uploadEvents(items, { baseUrl, apiKey })
              : { delivered: [], dropped: [], retryLater: [], requests: 0 };
        } catch (err) {
          if (!(err instanceof UploadInterrupted)) throw err;
          // What was settled is kept; the rest goes back to the inbox at once (lease released).
          const partial = err.partial as UploadResult<number>;
          const settled = new Set([
            ...partial.delivered,
            ...partial.dropped.map((d) => d.ref),
            ...partial.retryLater.map((r) => r.ref),
          ]);
          const unsettled = items.map((i) => i.ref).filter((id) => !settled.has(id));
          await settle(input.connectionId, rows, partial, drops, identities);
          await retryLater(db, unsettled, RETRY_AFTER_PROGRESS_MS, 'amplitude_unavailable');
          // Partial failure (this activity delivered something): hand back normally and try again soon,
          // so Temporal's backoff does not grow while Amplitude is only flaky. Complete failure: throw.
          if (err.fatal || delivered + partial.delivered.length === 0) {
            throw ApplicationFailure.create({
              message: err.message,
              type: err.fatal ? 'AmplitudeRejected' : 'AmplitudeUnavailable',
              nonRetryable: err.fatal,
            });
          }
          lastError = err.message;
          break;
        }
        delivered += upload.delivered.length;
        await settle(input.connectionId, rows, upload, drops, identities);
        activity.heartbeat({ processed });
      }

      const summary = await pendingSummary(db, input.connectionId);
      return {
        processed,
        counters: await readCounters(db, input.connectionId),
        pending: summary.pending,
        nextDueAt: summary.nextDueAt,
        more: summary.due > 0,
        lastEventAt,
        lastError,
      };
    },

    async sourceCounters(input: { connectionId: string }): Promise<Record<string, number>> {
      return readCounters(db, input.connectionId);
    },

    async setConnectionStatus(input: { connectionId: string; status: string }): Promise<void> {
      await connections.update(input.connectionId, { status: input.status });
    },

    async saveSourceSettings(input: { connectionId: string; settings: SourceSettings }): Promise<void> {
      await connections.update(input.connectionId, { settings: input.settings });
    },

    /** Confirms an (unsigned) uninstall notice: is our token still accepted by Intercom? */
    async checkIntercomAccess(input: { connectionId: string }): Promise<'valid' | 'revoked' | 'no_token'> {
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      if (!token) return 'no_token';
      const me = await intercomFor(connection.intercomRegion).me(token);
      return me.ok ? 'valid' : 'revoked';
    },

    /**
     * Revokes the Intercom token (POST /auth/uninstall; already revoked is fine), deletes it, drops
     * what can no longer be delivered, and marks the connection Disconnected so webhooks stop routing.
     */
    async disconnectSource(input: {
      connectionId: string;
      reason: string;
    }): Promise<{ revoked: boolean; counters: Record<string, number> }> {
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      let revoked = false;
      if (token) {
        await intercomFor(connection.intercomRegion).uninstall(token);
        revoked = true;
      }
      await connections.update(input.connectionId, { status: 'Disconnected' });
      await connections.deleteSecret(input.connectionId, 'intercom_access_token');
      const dropped = await dropAllPending(db, input.connectionId, 'disconnected');
      if (dropped > 0) await addCounters(db, input.connectionId, { 'dropped:disconnected': dropped });
      logger.info({ connectionId: input.connectionId, reason: input.reason, revoked }, 'source disconnected');
      return { revoked, counters: await readCounters(db, input.connectionId) };
    },
  };
}

function toEvent(row: InboxRow, options: TransformOptions, drops: { id: number; reason: string }[]) {
  const result = toAmplitudeEvent(row.payload, options);
  if (result.kind === 'dropped') {
    drops.push({ id: row.id, reason: result.reason });
    return undefined;
  }
  return result.event;
}
