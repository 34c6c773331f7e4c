import { startStack } from '../../testkit/stack';
import { faultArgs, finish, random, runScript, sleep } from './common';
import { awaitDelivery, observeAmplitude, onboardTenants, refusedBetween, streamWebhooks } from './stream';
import type { Crash } from './verdict';
import { kill9Faults, killTargets, type KillRecord } from './fault-checks';

/**
 * kill -9 of the api and the worker at random moments during a webhook stream spread over many source
 * connections: every webhook we acknowledged must reach Amplitude, none stored twice, and every resend
 * explained by a kill (verdict.ts).
 */
async function main() {
  const args = faultArgs({
    seconds: { type: 'string' },
    kills: { type: 'string' },
    rate: { type: 'string', default: '200' },
  });
  const seconds = Number(args.values.seconds ?? (args.large ? 120 : 25));
  const planned = Number(args.values.kills ?? (args.large ? 12 : 4));
  const next = random(args.seed);
  const stack = await startStack();
  try {
    const tenants = await onboardTenants(stack, args.connections, 'kill9');
    const runId = `k9${Date.now()}`;
    const streaming = streamWebhooks(stack, tenants, {
      rate: Number(args.values.rate),
      durationMs: seconds * 1000,
      runId,
      random: random(args.seed + 1),
    });
    const downs: { target: 'api' | 'worker'; at: number; landed: boolean; upAt: number }[] = [];
    const gap = (seconds * 1000) / (planned + 1);
    for (const target of killTargets(planned, next)) {
      await sleep(gap * (0.5 + next()));
      const at = Date.now();
      const landed = await stack[target].kill();
      await sleep(200 + next() * 1500);
      await stack[target].start();
      downs.push({ target, at, landed, upAt: Date.now() });
    }
    const stream = await streaming;
    const { drainMs, stuck } = await awaitDelivery(stack, stream, { timeoutMs: 120_000, runId });
    const observed = observeAmplitude(stack, runId);
    await stack.stop();
    const kills: KillRecord[] = downs.map((d) => ({
      target: d.target,
      at: d.at,
      landed: d.landed,
      refusedWhileDown: d.target === 'api' ? refusedBetween(stream, d.at, d.upAt) : 0,
    }));
    // Only the worker sends to Amplitude: an api kill explains no resend.
    const crashes: Crash[] = kills
      .filter((k) => k.target === 'worker')
      .map((k) => ({ at: k.at, what: 'worker killed' }));
    finish(
      'fault-kill9',
      args,
      [
        ['webhooks sent', stream.sent],
        ['refused or unanswered (api down)', stream.refused],
        [
          'kills (api / worker)',
          `${kills.filter((k) => k.target === 'api').length} / ${kills.filter((k) => k.target === 'worker').length}`,
        ],
        ['drain after the stream (s)', (drainMs / 1000).toFixed(1)],
      ],
      {
        seconds,
        plannedKills: planned,
        kills: kills.map((k) => ({ ...k, at: new Date(k.at).toISOString() })),
        sent: stream.sent,
        refused: stream.refused,
        drainMs,
        stuck,
      },
      { acknowledged: [...stream.accepted], ...observed, crashes, faults: kill9Faults(kills, planned) },
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw err;
  }
}

runScript(main);
