import { startStack } from '../../testkit/stack';
import { onboardSource } from '../../testkit/source-flow';
import { faultArgs, runScript, random, sleep, verdict } from './common';
import { streamWebhooks, verifyExactlyOnce } from './stream';

/**
 * kill -9 of the api and the worker at random moments during a webhook stream: every webhook we
 * acknowledged must reach Amplitude exactly once (by insert_id), none may arrive twice.
 */
async function main() {
  const args = faultArgs({
    seconds: { type: 'string' },
    kills: { type: 'string' },
    rate: { type: 'string', default: '200' },
  });
  const seconds = Number(args.seconds ?? (args.large ? 120 : 25));
  const kills = Number(args.kills ?? (args.large ? 12 : 4));
  const next = random(Number(args.seed));
  const stack = await startStack();
  try {
    const { appId } = stack.intercom.addWorkspace({ name: 'Faults' });
    await onboardSource(stack, { projectId: 'kill9', appId, identityMapping: 'user_id' });
    const runId = `k9${Date.now()}`;
    const streaming = streamWebhooks(stack, appId, { rate: Number(args.rate), durationMs: seconds * 1000, runId });
    const log: string[] = [];
    const gap = (seconds * 1000) / (kills + 1);
    for (let i = 0; i < kills; i += 1) {
      await sleep(gap * (0.5 + next()));
      const target = next() < 0.5 ? stack.api : stack.worker;
      await target.kill();
      log.push(`${new Date().toISOString()} killed ${target.kind}`);
      await sleep(200 + next() * 1500);
      await target.start();
    }
    const stream = await streaming;
    const check = await verifyExactlyOnce(stack, stream.accepted, { timeoutMs: 120_000, runId });
    await stack.stop();
    verdict(
      'fault-kill9',
      [
        ['webhooks sent', stream.sent],
        ['acknowledged (200)', stream.accepted.size],
        ['refused or unanswered (api down)', stream.refused],
        ['kills (api/worker)', kills],
        ['delivered though unanswered', check.unexpected],
        ['drain after the stream (s)', (check.drainMs / 1000).toFixed(1)],
      ],
      {
        seconds,
        kills,
        log,
        sent: stream.sent,
        accepted: stream.accepted.size,
      },
      check,
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw err;
  }
}

runScript(main);
