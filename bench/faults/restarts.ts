import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { startStack } from '../../testkit/stack';
import { PrivatePostgres } from '../lib/private-postgres';
import { faultArgs, finish, random, runScript, sleep, step } from './common';
import { awaitDelivery, observeAmplitude, onboardTenants, refusedBetween, streamWebhooks } from './stream';
import type { Crash } from './verdict';
import { restartFaults, type RestartRecord } from './fault-checks';

/**
 * Crashes mid-stream, over many connections: the Temporal dev server killed with SIGKILL (its state kept
 * in its SQLite file) and, later, Postgres stopped with `pg_ctl stop -m immediate` (a private cluster this
 * script starts: the machine's shared server is never touched), each left down for a while and started
 * again. Nothing we acknowledged may be lost or stored twice, and every resend must follow a crash.
 */
async function main() {
  const args = faultArgs({
    seconds: { type: 'string' },
    rate: { type: 'string', default: '200' },
    down: { type: 'string', default: '3' },
  });
  const seconds = Number(args.values.seconds ?? (args.large ? 120 : 30));
  const downMs = Number(args.values.down) * 1000;
  const next = random(args.seed);
  step('starting a private Postgres');
  const postgres = await PrivatePostgres.start();
  const temporalDir = mkdtempSync(path.join(os.tmpdir(), 'connector-temporal-'));
  step('starting the stack');
  const stack = await startStack({
    adminDatabaseUrl: postgres.adminUrl,
    temporalDbFile: path.join(temporalDir, 'temporal.db'),
  });
  const log: string[] = [];
  const note = (what: string) => {
    log.push(`${new Date().toISOString()} ${what}`);
    step(what);
  };
  try {
    note(`onboarding ${args.connections} sources`);
    const tenants = await onboardTenants(stack, args.connections, 'restarts');
    const runId = `rs${Date.now()}`;
    const streaming = streamWebhooks(stack, tenants, {
      rate: Number(args.values.rate),
      durationMs: seconds * 1000,
      runId,
      random: random(args.seed + 1),
    });
    const quarter = (seconds * 1000) / 4;
    await sleep(quarter * (0.5 + next()));
    note('killing Temporal (SIGKILL)');
    const temporalAt = Date.now();
    const temporalKilled = await stack.crashTemporal(downMs);
    note(`Temporal back (kill landed: ${temporalKilled})`);
    await sleep(quarter * (0.5 + next()));
    note('stopping Postgres -m immediate');
    const postgresCrash = await postgres.crash(downMs);
    note('Postgres back');
    const stream = await streaming;
    note(`stream ended: ${stream.sent} sent; waiting for delivery`);
    const { drainMs, stuck } = await awaitDelivery(stack, stream, { timeoutMs: 180_000, runId });
    const observed = observeAmplitude(stack, runId);
    note('stopping the stack');
    await stack.stop();
    await postgres.stop();
    rmSync(temporalDir, { recursive: true, force: true });
    const record: RestartRecord = {
      temporalKilled,
      postgresDown: true,
      refusedWhilePostgresDown: refusedBetween(stream, postgresCrash.downAt, postgresCrash.upAt),
    };
    const crashes: Crash[] = [
      { at: temporalAt, what: 'Temporal killed' },
      { at: postgresCrash.downAt, what: 'Postgres stopped -m immediate' },
    ];
    finish(
      'fault-restarts',
      args,
      [
        ['webhooks sent', stream.sent],
        ['refused or unanswered (all)', stream.refused],
        ['down time of each crash (s)', downMs / 1000],
        ['drain after the stream (s)', (drainMs / 1000).toFixed(1)],
      ],
      { seconds, downMs, log, sent: stream.sent, refused: stream.refused, record, drainMs, stuck },
      { acknowledged: [...stream.accepted], ...observed, crashes, faults: restartFaults(record) },
    );
  } catch (err) {
    await stack.stop().catch(() => undefined);
    await postgres.stop();
    throw err;
  }
}

runScript(main);
