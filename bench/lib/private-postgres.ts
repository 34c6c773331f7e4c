import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/temporal/dev-server';

/**
 * A Postgres server of the fault scripts' own (initdb in a temporary folder, its own port), so they
 * can crash it mid-stream without disturbing the machine's server (other developers use the one at
 * 127.0.0.1:5432: it is never stopped). Runs as the `postgres` user when started as root (initdb
 * refuses root). Its tools run asynchronously and bounded: the scripts host the simulators in the same
 * process, so a blocking call would stall them, and a tool that never returns must fail the run, not hang it.
 */
const execFileAsync = promisify(execFile);

export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const versions = readdirSync('/usr/lib/postgresql').sort();
    const bin = path.join('/usr/lib/postgresql', versions[versions.length - 1]!, 'bin');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'connector-pg-'));
    chmodSync(dir, 0o777);
    const port = await freePort();
    const server = new PrivatePostgres(dir, port, bin);
    await server.run('initdb', ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await server.ctl('start');
    // A script that exits without stop() (a failure, its deadline) still takes its cluster with it; only the
    // synchronous form runs in an exit handler.
    const removeOnExit = () => {
      const pgCtl = [path.join(bin, 'pg_ctl'), '-D', path.join(dir, 'data'), 'stop', '-m', 'immediate'];
      if (process.getuid?.() === 0) spawnSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { timeout: 30_000 });
      else spawnSync(pgCtl[0]!, pgCtl.slice(1), { timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', removeOnExit);
    server.forgetOnStop = () => process.removeListener('exit', removeOnExit);
    return server;
  }

  private forgetOnStop = () => {};

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /**
   * A crash: `pg_ctl stop -m immediate` (every server process is killed, no checkpoint; the next start
   * recovers from the WAL), down for `downMs`, then started again. Answers when the server went down.
   */
  async crash(downMs: number): Promise<{ downAt: number; upAt: number }> {
    const downAt = Date.now();
    await this.ctl('stop', ['-m', 'immediate']);
    await new Promise((r) => setTimeout(r, downMs));
    await this.ctl('start');
    return { downAt, upAt: Date.now() };
  }

  /** Down (fast shutdown: connections cut) until `start()`: an outage of the database server. */
  halt(): Promise<void> {
    return this.ctl('stop', ['-m', 'fast']);
  }

  start(): Promise<void> {
    return this.ctl('start');
  }

  async stop(): Promise<void> {
    await this.ctl('stop', ['-m', 'immediate']);
    rmSync(this.dir, { recursive: true, force: true });
    this.forgetOnStop();
  }

  private ctl(command: string, extra: string[] = []): Promise<void> {
    // Only ever the cluster this object created: its own data folder, never the shared server's port.
    if (this.port === 5432) throw new Error('refusing to control a Postgres on 5432: that is the shared server');
    return this.run('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      ...extra,
      command,
    ]);
  }

  private async run(tool: string, args: string[]): Promise<void> {
    const command = path.join(this.bin, tool);
    const [file, argv] =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    // pg_ctl -w gives up after 60 s on its own; this bound covers a tool that does not.
    await execFileAsync(file, argv, { timeout: 90_000, killSignal: 'SIGKILL' }).catch(
      (err: Error & { stderr?: string }) => {
        throw new Error(`${tool} ${args.join(' ')} failed: ${err.stderr || err.message}`);
      },
    );
  }
}
