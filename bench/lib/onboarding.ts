import { startStack, type Stack } from '../../testkit/stack';
import { onboardSource } from '../../testkit/source-flow';
import { cpuMsPerItem, cpuSnapshot } from './cpu';

/** The stack the many-tenant benches run: api, worker, Temporal dev server, Postgres, simulators. */
export function startTenantStack(shards: number): Promise<Stack> {
  return startStack({
    env: {
      DELIVERY_SHARDS: String(shards),
      DATABASE_POOL_MAX: '20',
      // One load generator on one address: per-IP and per-key limits are not what this measures.
      RATE_LIMIT_PER_IP: '0',
      RATE_LIMIT_PER_INGEST_KEY: '0',
    },
    // PROFILE_DIR=<dir>: CPU profiles of the api and worker processes (node --cpu-prof).
    ...(process.env.PROFILE_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] } : {}),
  });
}

/** Runs `task` over `items` with at most `limit` at once. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Onboards sources `from`…`from + count - 1` through the admin API and the simulated OAuth, `concurrency` at once. */
export async function onboardSources(stack: Stack, from: number, count: number, concurrency: number) {
  return pool(
    Array.from({ length: count }, (_, i) => from + i),
    concurrency,
    async (n) => {
      const { appId } = stack.intercom.addWorkspace({ name: `Tenant ${n}` });
      const { connectionId, callbackStatus } = await onboardSource(stack, {
        projectId: `t${n}`,
        appId,
        identityMapping: 'user_id',
        amplitudeApiKey: `amp-key-tenant-${n}`,
      });
      if (callbackStatus !== 200) throw new Error(`onboarding tenant ${n}: callback answered ${callbackStatus}`);
      return { appId, connectionId };
    },
  );
}

/** The machine's CPU time by role, in ms per connection onboarded (what bounds onboarding on 2 cores). */
export const ONBOARDING_CPU_ROLES = {
  temporal: 'temporal server',
  worker: 'worker',
  api: 'api',
  postgres: 'postgres',
  bench: 'bench process (simulators)',
} as const;

/** Onboards `count` sources and measures it: connections per second, and CPU per connection by role. */
export async function onboardMeasured(stack: Stack, from: number, count: number, concurrency: number) {
  const cpuBefore = cpuSnapshot();
  const startedAt = Date.now();
  const sources = await onboardSources(stack, from, count, concurrency);
  const perSecond = count / ((Date.now() - startedAt) / 1000);
  const ms = cpuMsPerItem(cpuBefore, count);
  const cpuMsPerConnection = Object.fromEntries(
    Object.entries(ONBOARDING_CPU_ROLES).map(([name, role]) => [`onboardingCpuMs.${name}`, ms(role)]),
  );
  return { sources, perSecond, cpuMsPerConnection };
}

/** The onboarding CPU row of a report: ms per connection by role. */
export function onboardingCpuRow(s: (name: string, digits?: number) => string): [string, string] {
  return [
    `onboarding CPU per connection (ms): ${Object.keys(ONBOARDING_CPU_ROLES).join(' / ')}`,
    Object.keys(ONBOARDING_CPU_ROLES)
      .map((name) => s(`onboardingCpuMs.${name}`, 1))
      .join(' / '),
  ];
}
