import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { startStack } from '../../testkit/stack';
import { PrivatePostgres } from '../lib/private-postgres';
import { onboardSource } from '../../testkit/source-flow';
import { faultArgs, runScript, sleep, verdict } from './common';
import { streamWebhooks, verifyExactlyOnce } from './stream';

/**
 * The Temporal dev server (state kept in its SQLite file) and Postgres (a private server, so the
 * machine's is left alone) restarted mid-stream: nothing we acknowledged may be lost or doubled.
 */
async function main() {
  const args = faultArgs({ seconds: { type: 'string' }, rate: { type: 'string', default: '200' } });
  const seconds = Number(args.seconds ?? (args.large ? 120 : 30));
  const postgres = await PrivatePostgres.start();
  const temporalDir = mkdtempSync(path.join(os.tmpdir(), 'connector-temporal-'));
  const stack = await startStack({
    adminDatabaseUrl: postgres.adminUrl,
    temporalDbFile: path.join(temporalDir, 'temporal.db'),
  });
  const events: string[] = [];
  try {
    const { appId } = stack.intercom.addWorkspace({ name: 'Restarts' });
    await onboardSource(stack, { projectId: 'restarts', appId, identityMapping: 'user_id' });
    const runId = `rs${Date.now()}`;
    const streaming = streamWebhooks(stack, appId, { rate: Number(args.rate), durationMs: seconds * 1000, runId });
    await sleep((seconds * 1000) / 4);
    events.push(`${new Date().toISOString()} restarting Temporal`);
    await stack.restartTemporal();
    events.push(`${new Date().toISOString()} Temporal back`);
    await sleep((seconds * 1000) / 4);
    events.push(`${new Date().toISOString()} restarting Postgres`);
    postgres.restart();
    events.push(`${new Date().toISOString()} Postgres back`);
    const stream = await streaming;
    const check = await verifyExactlyOnce(stack, stream.accepted, { timeoutMs: 180_000, runId });
    await stack.stop();
    postgres.stop();
    rmSync(temporalDir, { recursive: true, force: true });
    verdict(
      'fault-restarts',
      [
        ['webhooks sent', stream.sent],
        ['acknowledged (200)', stream.accepted.size],
        ['refused while Postgres restarted (503)', stream.refused],
        ['drain after the stream (s)', (check.drainMs / 1000).toFixed(1)],
      ],
      {
        seconds,
        events,
        sent: stream.sent,
        accepted: stream.accepted.size,
        refused: stream.refused,
      },
      check,
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    postgres.stop();
    throw err;
  }
}

runScript(main);
