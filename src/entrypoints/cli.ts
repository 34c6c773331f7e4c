import { parseArgs } from 'node:util';
import { openPostgres, postgresOptionsFromEnv } from '../db/client';
import { ConnectionsService, UserError } from '../connections/service';
import { buildServices, loadEnvOrExit } from '../runtime/boot';
import { connectClient, temporalTargetFromEnv } from '../temporal/connection';
import { rotateKeys } from './rotate-keys';
import { BACKFILL_OBJECTS } from '../../workflows/backfill-messages';
import type { BackfillObject } from '../../activities/backfill';

/**
 * `npm run cli -- connections <command>`: the operator's commands, driving the same workflows as the
 * admin API and `temporal workflow signal` (through the same ConnectionsService).
 */
const USAGE = `usage: npm run cli -- connections <command>
       npm run cli -- keys rotate                  re-seal every credential under ENCRYPTION_KEY

  list [--json]                                   all connections, with status and workflow id
  status <id>                                     the workflow's status query (JSON)
  backfill <id> --since <ISO> --until <ISO> [--objects contacts,conversations]
  replay <id> --from <ISO> --to <ISO>             destination: re-send a window of ingested events
  disconnect <id>
  pause <id>
  resume <id>

Needs DATABASE_URL, TEMPORAL_ADDRESS and ENCRYPTION_KEY (as the worker); keys rotate needs no Temporal,
and reads old values with the keys in ENCRYPTION_KEYS.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      objects: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, command, id] = positionals;
  if (group === 'keys' && command === 'rotate') return rotateKeys();
  if (values.help || group !== 'connections' || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const env = loadEnvOrExit('cli');
  const database = await openPostgres(env.DATABASE_URL!, { ...postgresOptionsFromEnv(env), max: 2 });
  const temporal = await connectClient(temporalTargetFromEnv(env));
  const connections = new ConnectionsService(buildServices(env, database), temporal, env.TEMPORAL_TASK_QUEUE);
  const needId = () => {
    if (!id) throw new UserError(`${command} needs a connection id`);
    return id;
  };
  try {
    switch (command) {
      case 'list': {
        const rows = await connections.repository.list();
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify(
              rows.map((r) => ({
                id: r.id,
                kind: r.kind,
                status: r.status,
                workflowId: connections.handle(r.id).workflowId,
              })),
              null,
              2,
            )}\n`,
          );
        } else {
          for (const r of rows) {
            process.stdout.write(
              `${r.id.padEnd(36)} ${r.kind.padEnd(22)} ${r.status.padEnd(13)} ${connections.handle(r.id).workflowId}\n`,
            );
          }
        }
        return 0;
      }
      case 'status':
        process.stdout.write(`${JSON.stringify(await connections.status(needId()), null, 2)}\n`);
        return 0;
      case 'backfill': {
        const objects = values.objects?.split(',').map((o) => o.trim()) as BackfillObject[] | undefined;
        await connections.backfill(needId(), {
          since: values.since ?? '',
          until: values.until ?? '',
          objects: objects ?? [...BACKFILL_OBJECTS],
        });
        break;
      }
      case 'replay':
        await connections.replay(needId(), values.from ?? '', values.to ?? '');
        break;
      case 'disconnect':
      case 'pause':
      case 'resume':
        await connections[command](needId());
        break;
      default:
        throw new UserError(`unknown command ${command}\n\n${USAGE}`);
    }
    process.stdout.write(`${command} sent to ${connections.handle(needId()).workflowId}\n`);
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await temporal.connection.close();
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`cli failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
