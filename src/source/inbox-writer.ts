import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { isClaimable, SOURCE_RECEIVING_STATUSES } from '../connections/repository';

/**
 * Stores accepted webhooks with group commit: requests that arrive while a write is in flight are
 * written together by the next one. Under light load a webhook is written at once (no added
 * latency); under heavy load one INSERT carries hundreds of notifications, which is what lets the
 * endpoint keep up. Routing happens in the same statement: a row is created for every connection
 * currently receiving for the notification's workspace (app_id), and none otherwise.
 */
export interface IncomingNotification {
  appId: string;
  dedupeKey: string;
  notificationId: string | null;
  topic: string;
  /** The raw JSON body, stored as received. */
  body: string;
  /** Connections of the workspace that must not get a row (over their storage quota). */
  excluded?: readonly string[];
}

export interface StoredResult {
  /** The rows created: one per connection receiving for the workspace; none for duplicates and unknown workspaces. */
  stored: StoredRow[];
}

export interface StoredRow {
  connectionId: string;
  /** The delivery shard to ring. */
  shard: number;
  /** Whether the connection's delivery claims it now (a paused or unconfigured connection holds it). */
  claimable: boolean;
}

interface Pending {
  notification: IncomingNotification;
  resolve: (result: StoredResult) => void;
  reject: (err: unknown) => void;
  /** Epoch ms after which the caller has given up (answered 503): not worth writing any more. */
  deadline: number;
}

/** The writer is too far behind (Postgres slow or down): answer at once instead of queueing without bound. */
export class InboxBusyError extends Error {
  constructor(reason: 'queue_full' | 'timeout') {
    super(reason === 'queue_full' ? 'the inbox writer queue is full' : 'the notification was not stored in time');
    this.name = 'InboxBusyError';
  }
}

export class InboxWriter {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    private readonly options: {
      maxBatch?: number;
      maxConcurrentWrites?: number;
      /** Notifications waiting for a write at once; more are refused with InboxBusyError (WEBHOOK_QUEUE_LIMIT). */
      maxQueued: number;
      /** Time to store one notification before the caller hears InboxBusyError; it still may be stored (WEBHOOK_STORE_TIMEOUT). */
      timeoutMs: number;
    },
  ) {}

  store(notification: IncomingNotification): Promise<StoredResult> {
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new InboxBusyError('queue_full'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new InboxBusyError('timeout')), this.options.timeoutMs);
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          fn(value);
        };
      this.queue.push({
        notification,
        resolve: settle(resolve),
        reject: settle(reject),
        deadline: Date.now() + this.options.timeoutMs,
      });
      this.pump();
    });
  }

  private pump(): void {
    const maxConcurrent = this.options.maxConcurrentWrites ?? 2;
    const maxBatch = this.options.maxBatch ?? 500;
    // Whoever waited past their deadline was already answered 503; Intercom's retry will bring it again.
    // Deadlines grow along the queue, so the expired ones are a prefix.
    const now = Date.now();
    const expired = this.queue.findIndex((pending) => pending.deadline > now);
    this.queue.splice(0, expired < 0 ? this.queue.length : expired);
    while (this.queue.length > 0 && this.inFlight < maxConcurrent) {
      const batch = this.queue.splice(0, maxBatch);
      this.inFlight += 1;
      this.write(batch)
        .catch((err) => (batch.length > 1 ? this.writeOneByOne(batch) : batch[0]!.reject(err)))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }

  /** A batch failed: one bad notification must not fail the others written with it. */
  private async writeOneByOne(batch: Pending[]): Promise<void> {
    await Promise.all(batch.map((pending) => this.write([pending]).catch((err) => pending.reject(err))));
  }

  private async write(batch: Pending[]): Promise<void> {
    const values = sql.join(
      batch.map(
        ({ notification: n }, i) =>
          sql`(${i}::int, ${n.appId}, ${n.dedupeKey}, ${n.notificationId}, ${n.topic}, ${n.body}::json, ${textArray(n.excluded ?? [])})`,
      ),
      sql`, `,
    );
    const statuses = sql.join(
      SOURCE_RECEIVING_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    );
    // Routes by `connections` (owned by src/connections/repository.ts) inside the insert: one statement per batch.
    const rows = await queryRows<{ connection_id: string; dedupe_key: string; shard: number; claimable: boolean }>(
      this.db,
      sql`WITH inserted AS (
            INSERT INTO source_inbox (connection_id, dedupe_key, notification_id, topic, payload, shard)
            SELECT c.id, v.dedupe_key, v.notification_id, v.topic, v.payload, coalesce(c.delivery_shard, 0)
            FROM (VALUES ${values}) AS v(i, app_id, dedupe_key, notification_id, topic, payload, excluded)
            JOIN connections c ON c.kind = 'intercom_source' AND c.intercom_workspace_id = v.app_id AND c.status IN (${statuses})
              AND NOT (c.id = ANY(v.excluded))
            ORDER BY v.i
            ON CONFLICT (connection_id, dedupe_key) DO NOTHING
            RETURNING connection_id, dedupe_key, shard)
          SELECT i.connection_id, i.dedupe_key, i.shard, ${isClaimable(sql`c.delivery_state`)} AS claimable
          FROM inserted i JOIN connections c ON c.id = i.connection_id`,
    );
    const byKey = new Map<string, StoredRow[]>();
    for (const row of rows) {
      const stored = { connectionId: row.connection_id, shard: row.shard, claimable: row.claimable };
      byKey.set(row.dedupe_key, [...(byKey.get(row.dedupe_key) ?? []), stored]);
    }
    for (const pending of batch) {
      const stored = byKey.get(pending.notification.dedupeKey) ?? [];
      // A duplicate within the batch gets nothing: the first copy took the row.
      byKey.delete(pending.notification.dedupeKey);
      pending.resolve({ stored });
    }
  }
}

function textArray(values: readonly string[]) {
  return values.length === 0
    ? sql`ARRAY[]::text[]`
    : sql`ARRAY[${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )}]::text[]`;
}
