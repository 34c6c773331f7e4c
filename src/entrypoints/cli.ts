import path from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { adminApi, fillPath, formatIssues, type AdminRoute, type AdminRouteName } from '../http/admin-api';
import { workflowIdFor } from '../connections/ids';
import { DEV_FILES, readJsonFile, type DevApiFile } from '../runtime/dev-state';
import { rotateKeys } from './rotate-keys';

/**
 * `connector <command>` (or `npm run cli -- <command>`): the operator CLI. It calls the admin API
 * over HTTP, so it works the same against `npm run dev` and production. Its commands are the admin
 * routes that declare a `cli` name (src/http/admin-api.ts): path parameters are positional
 * arguments, body fields are `--kebab-case` flags (or `--body <json>`), and the input is checked
 * by the same schemas as the API before it is sent.
 */

/** Human output for some commands; the rest print their answer as JSON. */
const PRINTERS: Partial<Record<AdminRouteName, (answer: any, args: string[]) => string>> = {
  listConnections: (answer: { connections: { id: string; kind: string; status: string; workflowId: string }[] }) =>
    answer.connections.length === 0
      ? 'no connections yet\n'
      : answer.connections
          .map((c) => `${c.id.padEnd(36)} ${c.kind.padEnd(22)} ${c.status.padEnd(13)} ${c.workflowId}\n`)
          .join(''),
  disconnect: (_answer, [id]) => `disconnect sent to ${workflowIdFor(id!)}\n`,
  pause: (_answer, [id]) => `pause sent to ${workflowIdFor(id!)}\n`,
  resume: (_answer, [id]) => `resume sent to ${workflowIdFor(id!)}\n`,
  backfill: (_answer, [id]) => `backfill sent to ${workflowIdFor(id!)}\n`,
  replay: (_answer, [id]) => `replay sent to ${workflowIdFor(id!)}\n`,
  replaceDestinationToken: (_answer, [id]) => `token of ${id} replaced\n`,
  resyncCohort: (answer: { resyncId: string }, [id]) => `resync ${answer.resyncId} sent to ${workflowIdFor(id!)}\n`,
  disconnectCohortSync: (_answer, [id]) => `disconnect sent to ${workflowIdFor(id!)}\n`,
};

const COMMANDS = (Object.entries(adminApi) as [AdminRouteName, AdminRoute][])
  .filter(([, route]) => route.cli)
  .map(([name, route]) => ({ name, route, command: route.cli! }));

/** A problem the user can fix; printed without a stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function pathParams(route: AdminRoute): string[] {
  return [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

/** The top-level fields of a body schema with the zod type of each (optional and defaults unwrapped). */
function bodyFields(route: AdminRoute): Record<string, string> {
  const shape = (route.body as z.ZodObject | undefined)?.shape ?? {};
  return Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => {
      let def = (schema as z.ZodType)._zod.def as { type: string; innerType?: z.ZodType };
      while (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type))
        def = def.innerType._zod.def as typeof def;
      return [key, def.type];
    }),
  );
}

function usage(): string {
  const lines = COMMANDS.map(({ route, command }) => {
    const args = pathParams(route).map((p) => `<${p}>`);
    const flags = Object.keys(bodyFields(route)).map((f) => `--${kebab(f)}`);
    return `  ${[command, ...args].join(' ').padEnd(34)} ${route.summary}${flags.length ? `\n  ${''.padEnd(34)} ${flags.join(' ')}` : ''}`;
  });
  return `usage: connector [--api <url>] [--token <admin token>] [--json] <command> [args] [--field value]…

Commands (each calls one admin API route; see /api/openapi.json):
${lines.join('\n')}

Maintenance (on the database directly, with DATABASE_URL, ENCRYPTION_KEY and ENCRYPTION_KEYS):
  keys rotate                        re-seal every credential under ENCRYPTION_KEY

Body fields are flags (--amplitude-project-id 123); lists are comma-separated (--objects contacts,conversations);
objects are JSON (--send-events '{"enabled":true}'); --body '<json>' (or --body @file.json) gives the whole body.
Times are ISO 8601 dates or date-times with offset (2026-10-01, 2026-10-01T00:00:00Z), as in the API.

The API is --api or CONNECTOR_API_URL, the token --token or ADMIN_TOKEN; without them the CLI uses the
running \`npm run dev\` (it writes both to $DATA_DIR/${DEV_FILES.api}, DATA_DIR defaulting to .data).
`;
}

function parseValue(flag: string, type: string, text: string): unknown {
  if (type === 'array') return text.split(',').map((v) => v.trim());
  if (type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new CliError(`--${flag} expects true or false`, 2);
    return text === 'true';
  }
  if (['object', 'unknown', 'any', 'union', 'record'].includes(type)) {
    try {
      return JSON.parse(text);
    } catch {
      // A union of strings (e.g. times) or a plain word: the schema decides.
      if (type === 'union') return text;
      throw new CliError(`--${flag} expects JSON, e.g. '{"enabled":true}'`, 2);
    }
  }
  return text;
}

async function readBodyOption(text: string): Promise<Record<string, unknown>> {
  const source = text.startsWith('@')
    ? await import('node:fs/promises').then((fs) => fs.readFile(text.slice(1), 'utf8'))
    : text;
  try {
    const value = JSON.parse(source) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new CliError('--body expects a JSON object (or @file with one)', 2);
}

function resolveTarget(options: { api?: string; token?: string }): { apiUrl: string; token: string } {
  const dataDir = path.resolve(process.env.DATA_DIR || '.data');
  let dev: DevApiFile | undefined;
  try {
    dev = readJsonFile<DevApiFile>(dataDir, DEV_FILES.api);
  } catch {
    dev = undefined;
  }
  const apiUrl = options.api || process.env.CONNECTOR_API_URL || dev?.apiUrl;
  const token = options.token || process.env.ADMIN_TOKEN || dev?.adminToken;
  if (!apiUrl)
    throw new CliError(
      `no API to talk to: pass --api <url> or set CONNECTOR_API_URL (or start \`npm run dev\`, which writes ${path.join(dataDir, DEV_FILES.api)})`,
      2,
    );
  if (!token) throw new CliError('no admin token: pass --token or set ADMIN_TOKEN', 2);
  return { apiUrl: apiUrl.replace(/\/+$/, ''), token };
}

async function call(
  target: { apiUrl: string; token: string },
  route: AdminRoute,
  params: Record<string, string>,
  body: unknown,
): Promise<unknown> {
  const url = `${target.apiUrl}${fillPath(route.path, params)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: route.method.toUpperCase(),
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach the connector API at ${target.apiUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running? Set --api or CONNECTOR_API_URL.`,
    );
  }
  if (response.status === 204) return undefined;
  const text = await response.text();
  let answer: any;
  try {
    answer = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(
      `${target.apiUrl} did not answer as the connector API (HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}); check --api`,
    );
  }
  if (response.status === 401)
    throw new CliError(`the API at ${target.apiUrl} rejected the admin token; check --token or ADMIN_TOKEN`);
  if (!response.ok) throw new CliError(`${answer?.error ?? `HTTP ${response.status}`} (HTTP ${response.status})`);
  return answer;
}

export async function main(argv: string[]): Promise<number> {
  // The one maintenance command: it works on the database and the keys directly (no API, no Temporal).
  if (argv[0] === 'keys' && argv[1] === 'rotate') return rotateKeys();
  // The command is the first word that is not a flag or a flag's value (`connections <cmd>`: the old form).
  const valued = new Set(['--api', '--token', '--body']);
  let at = argv.findIndex((arg, i) => !arg.startsWith('-') && !valued.has(argv[i - 1] ?? '') && arg !== 'connections');
  if (at === -1) at = argv.length;
  const commandName = argv[at];
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)].filter((arg, i) => !(i === 0 && arg === 'connections'));
  const globalOptions = {
    api: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
    body: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const entry = COMMANDS.find((c) => c.command === commandName);
  if (!commandName || commandName === 'help') {
    process.stdout.write(usage());
    return commandName || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  if (!entry) throw new CliError(`unknown command "${commandName}"\n\n${usage()}`, 2);

  const fields = bodyFields(entry.route);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      ...globalOptions,
      ...Object.fromEntries(Object.keys(fields).map((f) => [kebab(f), { type: 'string' as const }])),
    },
  }).valueOf() as { values: Record<string, string | boolean | undefined>; positionals: string[] };
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const names = pathParams(entry.route);
  if (positionals.length !== names.length)
    throw new CliError(
      `${entry.command} takes ${names.map((n) => `<${n}>`).join(' ') || 'no arguments'}\n\n${usage()}`,
      2,
    );
  const params = Object.fromEntries(names.map((n, i) => [n, positionals[i]!]));

  let body: Record<string, unknown> | undefined;
  if (entry.route.body) {
    body = typeof values.body === 'string' ? await readBodyOption(values.body) : {};
    for (const [field, type] of Object.entries(fields)) {
      const text = values[kebab(field)];
      if (typeof text === 'string') body[field] = parseValue(kebab(field), type, text);
    }
    // The API's own schema: what it would reject is rejected here, with the same words.
    const checked = entry.route.body.safeParse(body);
    if (!checked.success) throw new CliError(formatIssues(checked.error), 2);
  }

  const answer = await call(resolveTarget(values as { api?: string; token?: string }), entry.route, params, body);
  const printer = PRINTERS[entry.name];
  if (values.json) process.stdout.write(`${JSON.stringify(answer ?? {}, null, 2)}\n`);
  else if (printer) process.stdout.write(printer(answer, positionals));
  else process.stdout.write(answer === undefined ? 'done\n' : `${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof CliError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(err.exitCode);
      }
      // parseArgs' own errors (unknown flag, missing value) are usage errors too.
      if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${(err as Error).message}\n\n${usage()}`);
        process.exit(2);
      }
      process.stderr.write(`connector failed: ${(err as Error).stack ?? (err as Error).message}\n`);
      process.exit(1);
    },
  );
}
