import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');

/** `npm ci` stays quiet on npm 11: every dependency with an install script is allowed or denied on purpose. */
describe('npm install scripts', () => {
  it('every locked package with an install script is named in allowScripts', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const allow = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).allowScripts as Record<
      string,
      boolean
    >;
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      // '' is this project: its own scripts (postinstall: patch-package) are reviewed in package.json itself.
      .filter(([where, entry]) => where !== '' && entry.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    expect([...new Set(withScripts)].filter((name) => !(name in allow))).toEqual([]);
  });

  it('npm itself finds no unreviewed install scripts', async () => {
    const { stdout } = await promisify(execFile)('npm', ['approve-scripts', '--allow-scripts-pending'], { cwd: root });
    expect(stdout).toMatch(/No packages with unreviewed install scripts/);
  });
});
