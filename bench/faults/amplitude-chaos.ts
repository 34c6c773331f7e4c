import { startStack } from '../../testkit/stack';
import { UPLOAD_PATHS } from '../../testkit/simulators/amplitude';
import { faultArgs, finish, random, runScript, sleep } from './common';
import { awaitDelivery, observeAmplitude, onboardTenants, streamWebhooks, type StreamResult } from './stream';
import { chaosFaults, REFUSED_STATUSES, STORED_THEN_FAILED_STATUSES } from './fault-checks';

/**
 * Amplitude misbehaving on every upload path (/2/httpapi and /batch) while webhooks stream in over many
 * connections: 30 % of requests refused before anything is stored (429/500/502/503/504), 10 % of the rest
 * stored and then answered 500/502/504 (Amplitude's documented "may have been ingested"), and a full
 * outage in the middle. Everything acknowledged must arrive, none stored twice, every resend explained
 * by an ambiguous answer (verdict.ts); the drain rate after the outage is reported.
 */
async function main() {
  const args = faultArgs({
    seconds: { type: 'string' },
    outage: { type: 'string' },
    rate: { type: 'string', default: '200' },
  });
  const seconds = Number(args.values.seconds ?? (args.large ? 120 : 30));
  const outageSeconds = Number(args.values.outage ?? (args.large ? 60 : 15));
  const next = random(args.seed);
  const stack = await startStack();
  try {
    const tenants = await onboardTenants(stack, args.connections, 'chaos');
    stack.amplitude.faults.chaos({
      path: UPLOAD_PATHS,
      rate: 0.3,
      statuses: REFUSED_STATUSES,
      afterHandlingRate: 0.1,
      afterHandlingStatuses: STORED_THEN_FAILED_STATUSES,
      random: random(args.seed + 2),
    });
    const runId = `ch${Date.now()}`;
    let live: StreamResult | undefined;
    const streaming = streamWebhooks(stack, tenants, {
      rate: Number(args.values.rate),
      durationMs: seconds * 1000,
      runId,
      random: random(args.seed + 1),
      live: (result) => (live = result),
    });
    // The outage starts somewhere in the first half of the time left around it.
    await sleep(Math.max(0, seconds - outageSeconds) * 1000 * (0.25 + next() / 2));
    stack.amplitude.faults.outage(outageSeconds * 1000);
    await sleep(outageSeconds * 1000);
    // The backlog: what was acknowledged during the outage (and before) and has not reached Amplitude yet.
    // Its drain rate, while chaos goes on, is what recovery is judged by (issue: ≥ a third of normal delivery).
    const recoveredAt = Date.now();
    const delivered = () => new Set(observeAmplitude(stack, runId).stored.map((s) => s.webhookId));
    const atRecovery = delivered();
    const backlog = [...(live?.accepted ?? [])].filter((id) => !atRecovery.has(id));
    let backlogDrainedAt: number | undefined;
    const watchBacklog = (async () => {
      while (Date.now() - recoveredAt < 300_000) {
        const now = delivered();
        if (backlog.every((id) => now.has(id))) return (backlogDrainedAt = Date.now());
        await sleep(100);
      }
      return undefined;
    })();
    const stream = await streaming;
    const { drainMs, stuck } = await awaitDelivery(stack, stream, { timeoutMs: 300_000, runId });
    await watchBacklog;
    const backlogSeconds = ((backlogDrainedAt ?? Date.now()) - recoveredAt) / 1000;
    const observed = observeAmplitude(stack, runId);
    const injected = { ...stack.amplitude.faults.injected };
    await stack.stop();
    finish(
      'fault-amplitude-chaos',
      args,
      [
        ['webhooks sent', stream.sent],
        ['Amplitude answers injected (by kind)', JSON.stringify(injected)],
        ['outage (s)', outageSeconds],
        ['backlog at recovery (acknowledged, not yet delivered)', backlog.length],
        ['backlog drained in (s), chaos still on', backlogSeconds.toFixed(1)],
        ['backlog drain rate (events/s)', Math.round(backlog.length / backlogSeconds)],
      ],
      {
        seconds,
        outageSeconds,
        sent: stream.sent,
        injected,
        backlogAtRecovery: backlog.length,
        backlogDrainSeconds: backlogSeconds,
        backlogDrainRate: backlog.length / backlogSeconds,
        drainMs,
        stuck,
      },
      { acknowledged: [...stream.accepted], ...observed, crashes: [], faults: chaosFaults(injected, observed) },
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw err;
  }
}

runScript(main);
