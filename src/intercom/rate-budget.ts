import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import type { RequestBudget } from './client';
import type { RateLimitInfo } from './errors';
import type { Metrics } from '../observability/metrics';

/**
 * One Intercom REST budget per workspace, kept in Postgres so every worker spends from the same
 * one. Intercom counts in 10-second windows and reports what is left (`X-RateLimit-Remaining`)
 * and when the window resets (`X-RateLimit-Reset`). We spend ahead of time and stop `reserve`
 * calls short of zero, so steady traffic slows down before it would see a 429; after a 429 every
 * worker waits for the reset.
 */
export class WorkspaceRateBudget implements RequestBudget {
  constructor(
    private readonly db: Db,
    private readonly workspaceId: string,
    private readonly options: {
      reserve?: number;
      sleep?: (ms: number) => Promise<void>;
      /** Called while waiting (activities heartbeat here). */
      onWait?: (ms: number) => void;
      /** Where calls, the limit and waits are counted per workspace (the dashboard's rate-budget panels). */
      metrics?: Metrics;
    } = {},
  ) {}

  async before(): Promise<void> {
    const reserve = this.options.reserve ?? 5;
    for (;;) {
      // Spend one call from a known window that still has room above the reserve.
      const spent = await queryRows<{ remaining: number }>(
        this.db,
        sql`UPDATE intercom_rate_budgets SET remaining = remaining - 1, updated_at = now()
            WHERE workspace_id = ${this.workspaceId} AND reset_at > now() AND remaining > ${reserve}
            RETURNING remaining`,
      );
      if (spent.length > 0) return;
      const [row] = await queryRows<{ remaining: number | null; wait_ms: number | null }>(
        this.db,
        sql`SELECT remaining, ceil(extract(epoch FROM (reset_at - now())) * 1000)::int AS wait_ms
            FROM intercom_rate_budgets WHERE workspace_id = ${this.workspaceId}`,
      );
      // No window known yet, or it is over: go ahead, and learn the new window from the answer.
      if (!row || row.remaining === null || row.wait_ms === null || row.wait_ms <= 0) return;
      // Room after all: another worker recorded a new window between our UPDATE and this SELECT (at a
      // reset, the first answer of the new window lands there). Spend from it instead of sleeping it away.
      if (row.remaining > reserve) continue;
      const waitMs = Math.min(row.wait_ms, 60_000) + Math.floor(Math.random() * 50);
      this.options.onWait?.(waitMs);
      this.options.metrics?.intercomRateBudgetWait.inc({ workspace: this.workspaceId }, waitMs / 1000);
      await (this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(waitMs);
    }
  }

  /** Records what Intercom said; on 429 the budget is empty until the reset it named. */
  async after(rateLimit: RateLimitInfo, status: number): Promise<void> {
    const metrics = this.options.metrics;
    metrics?.intercomRequests.inc({ workspace: this.workspaceId, status: String(status) });
    if (rateLimit.limit !== undefined) metrics?.intercomRateLimit.set({ workspace: this.workspaceId }, rateLimit.limit);
    if (rateLimit.remaining === undefined && status !== 429) return;
    const remaining = status === 429 ? 0 : rateLimit.remaining!;
    const resetAt = rateLimit.resetAt !== undefined ? new Date(rateLimit.resetAt) : new Date(Date.now() + 10_000);
    // Answers arrive out of order: within one window keep the lowest count; a later window replaces it.
    await this.db.execute(sql`
      INSERT INTO intercom_rate_budgets (workspace_id, limit_per_minute, remaining, reset_at)
      VALUES (${this.workspaceId}, ${rateLimit.limit ?? null}, ${remaining}, ${resetAt.toISOString()}::timestamptz)
      ON CONFLICT (workspace_id) DO UPDATE SET
        limit_per_minute = coalesce(excluded.limit_per_minute, intercom_rate_budgets.limit_per_minute),
        remaining = CASE
          WHEN intercom_rate_budgets.reset_at IS NULL OR excluded.reset_at > intercom_rate_budgets.reset_at THEN excluded.remaining
          WHEN excluded.reset_at = intercom_rate_budgets.reset_at THEN least(excluded.remaining, coalesce(intercom_rate_budgets.remaining, excluded.remaining))
          ELSE intercom_rate_budgets.remaining END,
        reset_at = greatest(excluded.reset_at, coalesce(intercom_rate_budgets.reset_at, excluded.reset_at)),
        updated_at = now()`);
  }
}
