import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client';
import { WorkspaceRateBudget } from '../../src/intercom/rate-budget';
import { Metrics } from '../../src/observability/metrics';
import { usePrivateDatabase } from '../support/database';

/** The per-workspace Intercom budget shared by every worker through Postgres. */
describe('WorkspaceRateBudget', () => {
  const database = usePrivateDatabase({ max: 2 });

  const workspace = () => `ws-${randomBytes(4).toString('hex')}`;
  const sleeper = () => {
    const sleeps: number[] = [];
    return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
  };

  it('waits for the reset once a window is spent down to the reserve, then goes ahead', async () => {
    const id = workspace();
    const sleeps: number[] = [];
    // Sleeping moves the known window into the past, as time would.
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      await database.db.execute(
        sql`UPDATE intercom_rate_budgets SET reset_at = now() - interval '1 second' WHERE workspace_id = ${id}`,
      );
    };
    const budget = new WorkspaceRateBudget(database.db, id, { sleep });
    await budget.after({ limit: 6000, remaining: 7, resetAt: Date.now() + 5_000 }, 200);
    await budget.before();
    await budget.before();
    expect(sleeps).toEqual([]);
    // 5 left = the reserve: the next call waits for the reset.
    await budget.before();
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(4_000);
  });

  it('counts calls by status, the limit and the time waited per workspace (the dashboard reads these)', async () => {
    const id = workspace();
    const metrics = new Metrics({ defaultMetrics: false });
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      await database.db.execute(
        sql`UPDATE intercom_rate_budgets SET reset_at = now() - interval '1 second' WHERE workspace_id = ${id}`,
      );
    };
    const budget = new WorkspaceRateBudget(database.db, id, { sleep, metrics });
    await budget.after({ limit: 600, remaining: 50, resetAt: Date.now() + 5_000 }, 200);
    await budget.after({ limit: 600, remaining: 0, resetAt: Date.now() + 6_000 }, 429);
    await budget.before(); // the 429 emptied the window: it waits
    expect(sleeps).toHaveLength(1);
    const value = async (name: string, labels: Record<string, string>) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries(labels).every(([k, l]) => v.labels[k] === l),
      )?.value;
    expect(await value('intercom_api_requests_total', { workspace: id, status: '200' })).toBe(1);
    expect(await value('intercom_api_requests_total', { workspace: id, status: '429' })).toBe(1);
    expect(await value('intercom_rate_budget_limit_per_minute', { workspace: id })).toBe(600);
    expect(await value('intercom_rate_budget_wait_seconds_total', { workspace: id })).toBeCloseTo(sleeps[0]! / 1000);
  });

  it('spends from a new window another worker records while it looks, instead of sleeping through it', async () => {
    const id = workspace();
    const other = new WorkspaceRateBudget(database.db, id);
    // The last window was spent down to the reserve and is over: the next call goes ahead.
    await other.after({ limit: 6000, remaining: 5, resetAt: Date.now() - 1 }, 200);
    // Between this worker's UPDATE (which finds no current window) and its SELECT, another worker
    // records the answer of the new window's first call: 999 left for 10 s.
    let interposed = false;
    const racing = new Proxy(database.db, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property !== 'execute' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!interposed) {
            interposed = true;
            await other.after({ limit: 6000, remaining: 999, resetAt: Date.now() + 10_000 }, 200);
          }
          return result;
        };
      },
    }) as Db;
    const { sleeps, sleep } = sleeper();
    await new WorkspaceRateBudget(racing, id, { sleep }).before();
    expect(interposed).toBe(true);
    expect(sleeps).toEqual([]);
  });
});
