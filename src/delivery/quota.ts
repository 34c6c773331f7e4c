import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';

/** The reason webhooks dropped past a connection's storage quota are counted under (and ingestion's 429 outcome). */
export const QUOTA_REASON = 'quota';

export interface OverQuota {
  connectionId: string;
  /** The Intercom workspace of a source (webhooks name it, not the connection). */
  workspaceId: string | null;
}

/**
 * Each connection's storage quota: at most `maxPendingRows` pending rows in its queue (source inbox or
 * destination outbox). What a connection in error or paused keeps storing is bounded by it, and so is a
 * sender that outruns delivery.
 *
 * Counting a connection's pending rows on every request would cost more than storing them, so the api keeps
 * the set of connections over their quota and recounts it at most every `checkEveryMs`, in the background,
 * when a request asks (an idle api counts nothing). A connection may overshoot by what arrives in between.
 */
export class StorageQuota {
  private over: OverQuota[] = [];
  private checkedAt = -Infinity;
  private counting?: Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly options: {
      maxPendingRows: number;
      checkEveryMs: number;
      now?: () => number;
      onError?: (err: unknown) => void;
    },
  ) {}

  private get enabled(): boolean {
    return this.options.maxPendingRows > 0;
  }

  /** Whether the connection was over its quota at the last count (and recounts when that is old). */
  isOver(connectionId: string): boolean {
    return this.current().some((c) => c.connectionId === connectionId);
  }

  /** Sources of an Intercom workspace that were over their quota at the last count. */
  overForWorkspace(workspaceId: string): string[] {
    return this.current()
      .filter((c) => c.workspaceId === workspaceId)
      .map((c) => c.connectionId);
  }

  /** Every connection over its quota at the last count. */
  overQuota(): string[] {
    return this.current().map((c) => c.connectionId);
  }

  /** Counts now (tests, and the first request after start). */
  async recount(): Promise<void> {
    if (!this.enabled) return;
    this.counting ??= this.count().finally(() => {
      this.counting = undefined;
    });
    await this.counting;
  }

  private current(): OverQuota[] {
    if (!this.enabled) return [];
    const now = (this.options.now ?? Date.now)();
    if (now - this.checkedAt >= this.options.checkEveryMs && !this.counting) {
      this.checkedAt = now;
      void this.recount().catch((err) => this.options.onError?.(err));
    }
    return this.over;
  }

  private async count(): Promise<void> {
    const max = this.options.maxPendingRows;
    // Reads `connections` (owned by src/connections/repository.ts) for the workspace, in the same statement.
    const rows = await queryRows<{ connection_id: string; workspace_id: string | null }>(
      this.db,
      sql`SELECT o.connection_id, c.intercom_workspace_id AS workspace_id
          FROM (SELECT connection_id FROM source_inbox WHERE status = 'pending'
                GROUP BY connection_id HAVING count(*) >= ${max}
                UNION ALL
                SELECT connection_id FROM destination_outbox WHERE status = 'pending'
                GROUP BY connection_id HAVING count(*) >= ${max}) o
          JOIN connections c ON c.id = o.connection_id`,
    );
    this.over = rows.map((r) => ({ connectionId: r.connection_id, workspaceId: r.workspace_id }));
    this.checkedAt = (this.options.now ?? Date.now)();
  }
}
