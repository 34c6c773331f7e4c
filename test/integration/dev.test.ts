import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_FILES, readJsonFile, type DevApiFile } from '../../src/runtime/dev-state';
import { freePort, portIsFree } from '../../src/temporal/dev-server';
import { eventually } from '../../testkit/eventually';

const root = path.resolve(__dirname, '../..');

/** `npm run dev` as a user runs it: a process of its own (its own process group, as in a terminal). */
class Dev {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  /** `viaShell`: under `sh -c`, as npm runs a script (a SIGTERM to npm reaches the shell, not us). */
  constructor(env: Record<string, string>, options: { viaShell?: boolean } = {}) {
    const inherited = { ...process.env };
    // dev must provide these itself, as on a fresh machine.
    for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'INTERCOM_CLIENT_ID', 'AMPLITUDE_API_URL', 'ADMIN_TOKEN'])
      delete inherited[name];
    // As package.json's `dev` script runs it: node itself takes Ctrl-C (tsx's CLI wrapper kills a child that is
    // slow to acknowledge a signal within 60 ms, which a busy start-up or shutdown is).
    const command = [process.execPath, '--import', 'tsx', 'src/entrypoints/dev.ts'];
    const [file, ...args] = options.viaShell ? ['sh', '-c', command.map((part) => `'${part}'`).join(' ')] : command;
    this.child = spawn(file!, args, {
      cwd: root,
      env: { ...inherited, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + 150_000;
    while (!this.stdout.includes('Ctrl-C stops everything')) {
      if (this.child.exitCode !== null) throw new Error(`dev exited: ${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`dev did not start: ${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The banner's "create a user in the simulated Intercom" curl, as printed. */
  get printedCurl(): string {
    const line = this.stdout.split('\n').find((l) => l.trim().startsWith('curl') && l.includes('/contacts'));
    if (!line) throw new Error(`no curl in the banner:\n${this.stdout}`);
    return line.trim();
  }

  /** Ctrl-C in a terminal: SIGINT to the whole process group. */
  async interrupt(): Promise<number | null> {
    process.kill(-this.child.pid!, 'SIGINT');
    return this.exited;
  }

  /**
   * What a SIGTERM to `npm run dev` does: npm passes it to its shell, which ends without passing it on. Resolves
   * true once no process of the group is left (dev, Temporal), false if any still runs after `timeoutMs`.
   */
  async terminateParentShell(timeoutMs = 30_000): Promise<boolean> {
    process.kill(this.child.pid!, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        process.kill(-this.child.pid!, 0);
      } catch {
        return true; // ESRCH: the group is empty
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** Whatever of the group is left (the shell may be gone while dev runs on). */
  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // ESRCH: nothing left
    }
  }
}

describe('npm run dev', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'connector-dev-'));
  const running: Dev[] = [];
  afterAll(() => {
    for (const dev of running) dev.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function ports() {
    return {
      PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      DEV_INTERCOM_SIMULATOR_PORT: String(await freePort()),
      DEV_AMPLITUDE_SIMULATOR_PORT: String(await freePort()),
    };
  }

  it(
    'keeps its state across a restart: the same source keeps streaming with the printed curl; Ctrl-C, or npm stopped, stops it all',
    { timeout: 400_000 },
    async () => {
      const env = { ...(await ports()), DATA_DIR: dataDir };
      const amplitudeEvents = async () =>
        ((await (await fetch(`http://127.0.0.1:${env.DEV_AMPLITUDE_SIMULATOR_PORT}/_inspect/events`)).json()) as any)
          .events as { event: { event_type: string; user_id: string } }[];
      const runCurl = async (curl: string) => {
        const { stdout } = await promisify(execFile)('bash', ['-c', curl]);
        return JSON.parse(stdout) as { external_id: string };
      };

      const first = new Dev(env);
      running.push(first);
      await first.ready();
      expect(first.stdout).toContain(`Setup page:          http://localhost:${env.PORT}/setup`);
      const api = readJsonFile<DevApiFile>(dataDir, DEV_FILES.api)!;
      expect(api.apiUrl).toBe(`http://localhost:${env.PORT}`);
      const admin = (method: string, route: string, body?: unknown) =>
        fetch(`${api.apiUrl}${route}`, {
          method,
          headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const root = await fetch(`${api.apiUrl}/`, { redirect: 'manual' });
      expect([root.status, root.headers.get('location')]).toEqual([302, '/setup']);

      // Onboard a source as the setup page does: create, consent in the simulated Intercom, land on the callback.
      const created = await admin('POST', '/api/sources', {
        amplitudeProjectId: '123456',
        amplitudeApiKey: 'dev-key',
        identityMapping: 'user_id',
      });
      expect(created.status).toBe(201);
      const { authorizeUrl, connectionId } = (await created.json()) as any;
      const consent = await fetch(authorizeUrl, { redirect: 'manual' });
      const callback = await fetch(consent.headers.get('location')!, { headers: { accept: 'application/json' } });
      expect(callback.status).toBe(200);

      const curl = first.printedCurl;
      const ada = await runCurl(curl);
      await eventually(
        async () => expect((await amplitudeEvents()).map((e) => e.event.user_id)).toEqual([ada.external_id]),
        {
          timeoutMs: 30_000,
        },
      );
      await eventually(async () =>
        expect(await (await admin('GET', `/api/connections/${connectionId}`)).json()).toMatchObject({
          status: 'Connected',
          delivered: 1,
        }),
      );

      expect(await first.interrupt()).toBe(0);
      expect(first.stderr).not.toMatch(/Error|\bat .*\(/);
      // Quiet: Temporal is stopped after the worker, so the worker never finds it gone.
      expect(first.stdout.split('Stopping…')[1]).not.toMatch(/tcp connect error|Connection refused/);
      expect(await portIsFree(Number(env.TEMPORAL_DEV_PORT))).toBe(true);

      const second = new Dev(env, { viaShell: true });
      running.push(second);
      await second.ready();
      // Same workspace, same private-app token, same admin token: the printed curl is the same and still works.
      expect(second.printedCurl).toBe(curl);
      expect(readJsonFile<DevApiFile>(dataDir, DEV_FILES.api)).toEqual(api);
      await new Promise((r) => setTimeout(r, 1_100)); // the curl's external_id is user-<unix seconds>
      const bob = await runCurl(second.printedCurl);
      await eventually(
        async () => expect((await amplitudeEvents()).map((e) => e.event.user_id)).toEqual([bob.external_id]),
        {
          timeoutMs: 30_000,
        },
      );
      await eventually(async () =>
        expect(await (await admin('GET', `/api/connections/${connectionId}`)).json()).toMatchObject({
          status: 'Connected',
          delivered: 2,
        }),
      );
      // The simulated Intercom kept its contacts too.
      const contacts = (await (
        await fetch(`http://127.0.0.1:${env.DEV_INTERCOM_SIMULATOR_PORT}/_inspect/contacts`)
      ).json()) as any;
      expect(contacts.contacts.map((c: { external_id: string }) => c.external_id).sort()).toEqual(
        [ada.external_id, bob.external_id].sort(),
      );
      // Stopped the way a SIGTERM to npm stops it: the shell goes, dev sees its parent gone and stops everything.
      expect(await second.terminateParentShell()).toBe(true);
      expect(second.stdout).toContain('Stopping…');
      expect(second.stderr).not.toMatch(/Error|\bat .*\(/);
      for (const port of [env.PORT, env.TEMPORAL_DEV_PORT])
        expect(await portIsFree(Number(port)), `port ${port}`).toBe(true);
    },
  );

  it(
    'a start that fails half-way (API port taken) says why and stops everything it started',
    { timeout: 200_000 },
    async () => {
      const env = { ...(await ports()), DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'connector-dev-fail-')) };
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(Number(env.PORT), resolve));
      try {
        const dev = new Dev(env);
        running.push(dev);
        expect(await dev.exited).toBe(1);
        expect(dev.stderr).toContain(`dev failed to start: port ${env.PORT} is in use`);
        expect(dev.stderr).toMatch(/stopping what was started: .*Temporal dev server/);
        for (const port of [env.TEMPORAL_DEV_PORT, env.DEV_INTERCOM_SIMULATOR_PORT, env.DEV_AMPLITUDE_SIMULATOR_PORT])
          expect(await portIsFree(Number(port)), `port ${port}`).toBe(true);
      } finally {
        blocker.close();
        rmSync(env.DATA_DIR, { recursive: true, force: true });
      }
    },
  );
});
