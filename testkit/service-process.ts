import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { endWithThisProcess } from '../src/util/child-process';

/**
 * The api or the worker as a separate OS process (`npm run api|worker`), so tests and fault scripts
 * can kill it with SIGKILL the way a crash or an OOM kill would, and start a fresh one.
 */
export type ServiceKind = 'api' | 'worker';

const READY_LINE: Record<ServiceKind, string> = { api: 'api listening', worker: 'worker running' };

export class ServiceProcess {
  private child?: ChildProcess;
  private output = '';
  private peakRssKb = 0;

  /** `env`: the variables the service reads (the same ones a harness loads its configuration from). */
  constructor(
    readonly kind: ServiceKind,
    private readonly env: Record<string, string>,
    /** Extra node flags, e.g. `--cpu-prof` for profiling under load. */
    private readonly nodeArgs: string[] = [],
  ) {}

  async start(): Promise<void> {
    const root = path.resolve(__dirname, '..');
    this.output = '';
    const child = spawn(
      process.execPath,
      [...this.nodeArgs, '--import', 'tsx', path.join(root, `src/entrypoints/${this.kind}.ts`)],
      {
        cwd: root,
        // info: readiness is read from the service's "listening"/"running" log line.
        env: { ...process.env, ...this.env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    // A harness that exits (a failed fault script included) takes its services with it.
    endWithThisProcess(child);
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    const deadline = Date.now() + 60_000;
    while (!this.output.includes(READY_LINE[this.kind])) {
      if (child.exitCode !== null) throw new Error(`${this.kind} exited early:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.kind} did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Keeps the last 64 KB of output, for error messages. */
  private keep(data: Buffer): void {
    this.output = (this.output + data.toString()).slice(-65_536);
  }

  /** How the process ended, when it has ended on its own or been stopped (undefined while it runs). */
  get ended(): string | undefined {
    const child = this.child;
    if (!child) return 'never started';
    if (child.signalCode !== null) return `killed by ${child.signalCode}`;
    if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
    return undefined;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Peak resident memory (VmHWM) of the current process in KB, kept across restarts. */
  sampleRss(): number {
    const pid = this.pid;
    if (pid) {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) this.peakRssKb = Math.max(this.peakRssKb, Number(match[1]));
    }
    return this.peakRssKb;
  }

  /**
   * SIGKILL: no graceful shutdown, in-flight work is lost mid-way. True when it landed: a running process
   * died of it (a fault script checks its kills happened).
   */
  async kill(): Promise<boolean> {
    return (await this.signal('SIGKILL')) === 'SIGKILL';
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Sends `signal` and waits for the exit; answers the signal that ended the process (none if it was not running). */
  private async signal(signal: NodeJS.Signals): Promise<NodeJS.Signals | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return null;
    this.sampleRss();
    return new Promise<NodeJS.Signals | null>((resolve) => {
      child.once('exit', (_code, endedBy) => resolve(endedBy));
      child.kill(signal);
      if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), 25_000).unref();
    });
  }

  get log(): string {
    return this.output;
  }
}
