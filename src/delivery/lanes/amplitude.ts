import {
  AMPLITUDE_UNAVAILABLE_REASON,
  UNSPECIFIED_THROTTLE_REASON,
  uploadEvents,
  type UploadItem,
  type UploadResult,
} from '../../amplitude/client/upload-events';
import { sql } from 'drizzle-orm';
import { ConnectionRepository } from '../../connections/repository';
import type { IntercomNotification } from '../../intercom/webhook-envelope';
import type { Services } from '../../runtime/services';
import { findEchoes } from '../../loop-prevention';
import { toAmplitudeEvent } from '../../source/transform';
import { eventNamingOf, type SourceSettings } from '../../source/connection-settings';
import {
  createMemoryWriter,
  identityCounters,
  identityMemoryDeps,
  resolveIdentities,
} from '../../source/identity-memory';
import {
  backoffMs,
  fatalHold,
  type BaseRow,
  type DeliveryConnection,
  type GroupResult,
  type LaneDriver,
} from '../drain';
import type { RowOutcome } from '../../outcomes';
import { Turns } from '../../util/turns';
import { parseJsonColumn, type ClaimedRaw } from '../queue';

/** Why a source's rows wait for its Amplitude API key; replacing the key makes them due at once. */
export const API_KEY_MISSING_REASON = 'amplitude_key_missing';
export const API_KEY_REJECTED_REASON = 'amplitude_key_rejected';

/**
 * The `amplitude` lane: Intercom notifications accepted for source connections become `[Intercom] <topic>`
 * events, uploaded to each connection's Amplitude project in batches (one API key per batch).
 */
export interface InboxRow extends BaseRow {
  dedupeKey: string;
  topic: string;
  payload: IntercomNotification;
}

/** Rows per connection per claim: one claim is usually one Amplitude request (≤ 2,000 events, < 1 MB). */
const PER_CONNECTION = 500;
/**
 * Groups of a backlogged connection in flight at once: the next group's claim, identities and transform overlap the
 * current upload. Uploads themselves stay one at a time per connection, in claim order, because Amplitude keeps
 * a device's events (and so its user properties) in arrival order.
 */
const PER_CONNECTION_IN_FLIGHT = 3;

/**
 * How Amplitude answers this drain's uploads. While some uploads succeed, a failed one is retried at once
 * (Amplitude is flaky, not down); while all fail, rows back off. The first success after failures releases
 * the rows of the shard that were backing off, so a recovery is used at once rather than after the backoff.
 */
class UploadHealth {
  private lastSuccessAt = 0;
  private failing = false;
  /** A success within this long means Amplitude is up. */
  private static readonly UP_WITHIN_MS = 5_000;

  /** Returns true when this success ends a run of failures. */
  succeeded(now: number): boolean {
    this.lastSuccessAt = now;
    const recovered = this.failing;
    this.failing = false;
    return recovered;
  }

  failed(): void {
    this.failing = true;
  }

  /** The wait before retrying a row Amplitude failed: short while it is up, backing off while it is down. */
  retryDelayMs(now: number, attempts: number): number {
    return now - this.lastSuccessAt < UploadHealth.UP_WITHIN_MS ? 250 : Math.min(backoffMs(attempts), 30_000);
  }
}

/** Reasons of rows waiting only because Amplitude failed or asked to slow down (not for a named user). */
const WAITING_ON_AMPLITUDE = [AMPLITUDE_UNAVAILABLE_REASON, UNSPECIFIED_THROTTLE_REASON];

export function createAmplitudeLane(services: Services, shard: number): LaneDriver<InboxRow> {
  const { db, env, urls } = services;
  const health = new UploadHealth();
  /** Amplitude is back: the shard's rows that were backing off may go now. */
  const releaseWaiting = () =>
    db.execute(sql`UPDATE source_inbox SET next_attempt_at = now()
                   WHERE shard = ${shard} AND status = 'pending' AND next_attempt_at > now()
                     AND reason IN (${sql.join(
                       WAITING_ON_AMPLITUDE.map((r) => sql`${r}`),
                       sql`, `,
                     )})`);
  const connections = new ConnectionRepository(db, services.secrets);
  const uploadTurns = new Turns();
  /** Identity memory writes of this drain's groups, in one statement per commit instead of one per group. */
  const memoryWriter = createMemoryWriter(db);
  /** Secrets read during this drain (a drain lasts seconds; a replaced key is read by the next one). */
  const secrets = new Map<string, Promise<string | undefined>>();
  const secretOf = (connectionId: string, kind: 'amplitude_api_key' | 'intercom_access_token') => {
    const cacheKey = `${connectionId}/${kind}`;
    let secret = secrets.get(cacheKey);
    if (!secret) {
      secret = connections.readSecret(connectionId, kind);
      secret.catch(() => secrets.delete(cacheKey));
      secrets.set(cacheKey, secret);
    }
    return secret;
  };

  return {
    table: 'source_inbox',
    names: { delivered: 'delivered', skipped: 'dropped', expired: 'dropped', hasParkedSince: false },
    columns: ['dedupe_key', 'topic', 'payload'],
    perConnection: PER_CONNECTION,
    claimLimit: 2_000,
    maxInFlight: 32,
    perConnectionInFlight: PER_CONNECTION_IN_FLIGHT,
    discardReason: 'connection_discarding',
    toRow: (raw: ClaimedRaw): InboxRow => ({
      id: Number(raw.id),
      connectionId: raw.connection_id,
      receivedAt: new Date(raw.received_at),
      attempts: raw.attempts,
      dedupeKey: String(raw.dedupe_key),
      topic: String(raw.topic),
      payload: parseJsonColumn<IntercomNotification>(raw.payload),
    }),
    counterFor: (o: RowOutcome) =>
      o.kind === 'delivered' ? 'delivered' : o.kind === 'later' ? undefined : `dropped:${o.reason}`,
    direction: () => 'source',

    async deliver(connection: DeliveryConnection, rows: InboxRow[]): Promise<GroupResult> {
      // Taken as the group starts (claim order), awaited just before its upload.
      const turn = uploadTurns.take(connection.id);
      try {
        return await deliverGroup(connection, rows, turn.ready);
      } finally {
        turn.release();
      }
    },
  };

  async function deliverGroup(
    connection: DeliveryConnection,
    rows: InboxRow[],
    uploadTurn: Promise<void>,
  ): Promise<GroupResult> {
    const settings = connection.settings as SourceSettings;
    if (!settings.identityMapping) {
      // Held until configured; a row claimed in the instant the mapping was cleared just waits.
      return { outcomes: rows.map((r) => ({ id: r.id, kind: 'later', delayMs: 5_000, reason: 'not_configured' })) };
    }
    const apiKey = await secretOf(connection.id, 'amplitude_api_key');
    if (!apiKey) return fatalHold(rows, API_KEY_MISSING_REASON, 'no Amplitude API key is stored for this connection');

    const outcomes: RowOutcome[] = [];
    const echoes = env.SOURCE_LOOP_PREVENTION
      ? await findEchoes(db, {
          workspaceId: connection.intercomWorkspaceId,
          amplitudeProjectId: connection.amplitudeProjectId,
          notifications: rows.map((r) => ({ id: r.id, notification: r.payload })),
        })
      : new Set<number>();
    // Who each notification is about: the payload, else what we remember of the contact, else a lookup.
    const identities = await resolveIdentities(
      rows.filter((r) => !echoes.has(r.id)),
      settings.identityMapping,
      identityMemoryDeps({
        db,
        workspaceId: connection.intercomWorkspaceId,
        intercomBaseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
        intercomVersion: env.INTERCOM_API_VERSION,
        token: () => secretOf(connection.id, 'intercom_access_token'),
        ttlMs: env.IDENTITY_MEMORY_TTL,
        writer: memoryWriter,
      }),
    );
    const eventNaming = eventNamingOf(connection.settings);
    const items: UploadItem<number>[] = [];
    for (const row of rows) {
      if (echoes.has(row.id)) {
        outcomes.push({ id: row.id, kind: 'skipped', reason: 'loop_echo' });
        continue;
      }
      try {
        const result = toAmplitudeEvent(row.payload, {
          identityMapping: settings.identityMapping,
          eventNaming,
          identity: identities.get(row.id)?.identity,
        });
        if (result.kind === 'dropped') outcomes.push({ id: row.id, kind: 'skipped', reason: result.reason });
        else items.push({ ref: row.id, event: result.event });
      } catch (err) {
        // A notification the transform cannot read is a poison row: settle it, never fail the batch.
        outcomes.push({ id: row.id, kind: 'expired', reason: 'internal_error', error: (err as Error).message });
      }
    }
    if (items.length === 0) return { outcomes };

    const attempts = new Map(rows.map((r) => [r.id, r.attempts]));
    const baseUrl = urls.amplitudeApi(connection.amplitudeRegion ?? 'US');
    const withIdentityCounters = (result: GroupResult): GroupResult => {
      const delivered = result.outcomes.filter((o) => o.kind === 'delivered').map((o) => o.id);
      const counters = identityCounters(identities, delivered);
      for (const [name, n] of Object.entries(counters))
        services.metrics.sourceIdentity.inc({ how: name.split(':')[1] }, n);
      return { ...result, counters: { ...result.counters, ...counters } };
    };
    await uploadTurn;
    const upload = await uploadEvents(items, { baseUrl, apiKey });
    const now = Date.now();
    if (upload.delivered.length > 0 && health.succeeded(now)) await releaseWaiting();
    // Rows a bare 429 held back wait like failed ones: briefly while Amplitude takes other uploads.
    for (const r of upload.retryLater)
      if (r.reason === UNSPECIFIED_THROTTLE_REASON) r.delayMs = health.retryDelayMs(now, attempts.get(r.ref) ?? 1);
    const sorted = [...outcomes, ...settledOutcomes(upload)];
    const { stopped } = upload;
    if (!stopped) return withIdentityCounters({ outcomes: sorted });

    const sortedIds = new Set(sorted.map((o) => o.id));
    const unsent = items.map((i) => i.ref).filter((id) => !sortedIds.has(id));
    if (stopped.kind !== 'retry_after') {
      // A refusal of the whole request (the key, a WAF), not of named events: every upload of this connection
      // would meet it, so the connection is in error until an operator acts.
      const held = fatalHold(
        unsent.map((id) => ({ id })),
        API_KEY_REJECTED_REASON,
        stopped.message,
      );
      return withIdentityCounters({ ...held, outcomes: [...sorted, ...held.outcomes] });
    }
    // Amplitude failed (5xx, timeouts) after the upload's own quick retries: this group's rows come back soon
    // if other uploads succeed, with backoff if none do; other groups keep flowing meanwhile.
    health.failed();
    const retries = unsent.map((id): RowOutcome => ({
      id,
      kind: 'later',
      delayMs: health.retryDelayMs(now, attempts.get(id) ?? 1),
      reason: stopped.reason,
      error: stopped.message,
    }));
    return withIdentityCounters({ outcomes: [...sorted, ...retries], warning: stopped.message });
  }
}

function settledOutcomes(upload: UploadResult<number>): RowOutcome[] {
  return [
    ...upload.delivered.map((id) => ({ id, kind: 'delivered' as const })),
    ...upload.dropped.map((d) => ({ id: d.ref, kind: 'skipped' as const, reason: d.reason })),
    ...upload.retryLater.map((r) => ({ id: r.ref, kind: 'later' as const, delayMs: r.delayMs, reason: r.reason })),
  ];
}
