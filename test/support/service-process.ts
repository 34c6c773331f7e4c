import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * The worker as a separate OS process (`npm run worker`), so tests can kill it with SIGKILL the way a
 * crash or an OOM kill would, and start a fresh one.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private output = '';

  /** `env`: the same variables the harness loaded its configuration from. */
  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const root = path.resolve(__dirname, '../..');
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/entrypoints/worker.ts')], {
      cwd: root,
      // info: readiness is read from the 'worker running' log line.
      env: { ...process.env, ...this.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!this.output.includes('worker running')) {
      if (this.child.exitCode !== null) throw new Error(`worker exited early:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no graceful shutdown, in-flight activities are lost mid-way. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 25_000).unref();
    });
  }

  get log(): string {
    return this.output;
  }
}
