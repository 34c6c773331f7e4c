import { startStack } from '../../testkit/stack';
import { onboardSource } from '../../testkit/source-flow';
import { faultArgs, runScript, sleep, verdict } from './common';
import { streamWebhooks, verifyExactlyOnce } from './stream';

/**
 * Amplitude misbehaving: 30 % of requests answered 429/500/502/503/504 throughout, and a full
 * outage in the middle of the stream. Everything acknowledged must arrive once after recovery; the
 * drain rate after the outage is reported.
 */
async function main() {
  const args = faultArgs({
    seconds: { type: 'string' },
    outage: { type: 'string' },
    rate: { type: 'string', default: '200' },
  });
  const seconds = Number(args.seconds ?? (args.large ? 120 : 30));
  const outageSeconds = Number(args.outage ?? (args.large ? 60 : 15));
  const stack = await startStack();
  try {
    const { appId } = stack.intercom.addWorkspace({ name: 'Chaos' });
    await onboardSource(stack, { projectId: 'chaos', appId, identityMapping: 'user_id' });
    stack.amplitude.faults.chaos({ rate: 0.3, statuses: [429, 500, 502, 503, 504], path: '/2/httpapi' });
    const runId = `ch${Date.now()}`;
    const streaming = streamWebhooks(stack, appId, { rate: Number(args.rate), durationMs: seconds * 1000, runId });
    await sleep(Math.max(0, (seconds - outageSeconds) / 2) * 1000);
    stack.amplitude.faults.outage(outageSeconds * 1000);
    await sleep(outageSeconds * 1000);
    const backlogAtRecovery = -stack.amplitude.events.length;
    const recoveredAt = Date.now();
    const stream = await streaming;
    const check = await verifyExactlyOnce(stack, stream.accepted, { timeoutMs: 300_000, runId });
    const drainSeconds = (Date.now() - recoveredAt) / 1000;
    const drained = backlogAtRecovery + stack.amplitude.events.length;
    await stack.stop();
    verdict(
      'fault-amplitude-chaos',
      [
        ['webhooks acknowledged', stream.accepted.size],
        ['Amplitude answers injected (by status)', JSON.stringify(stack.amplitude.faults.injected)],
        ['outage (s)', outageSeconds],
        ['events delivered after recovery', drained],
        ['drain rate after recovery (events/s)', Math.round(drained / drainSeconds)],
        ['time to drain after recovery (s)', drainSeconds.toFixed(1)],
      ],
      {
        seconds,
        outageSeconds,
        accepted: stream.accepted.size,
        injected: stack.amplitude.faults.injected,
        drainedAfterRecovery: drained,
        drainSeconds,
      },
      check,
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw err;
  }
}

runScript(main);
