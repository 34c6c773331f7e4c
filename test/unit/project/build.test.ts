import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/**
 * `npm run build` makes what `start:api` and `start:worker` run. It is run here in a copy of the checkout (so the
 * working tree's dist/ is left alone), with testkit/ present beside the product: if product code imported a test
 * double, tsc would compile it into dist/ and the bundler would pack it into the workflow bundle.
 */
describe('npm run build', () => {
  let work: string;
  let dist: string[];

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'connector-build-'));
    for (const entry of ['src', 'workflows', 'activities', 'testkit', 'drizzle']) {
      cpSync(path.join(root, entry), path.join(work, entry), { recursive: true });
    }
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
      cpSync(path.join(root, file), path.join(work, file));
    }
    symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await promisify(execFile)('npm', ['run', 'build'], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
    dist = filesBelow(path.join(work, 'dist'));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('produces the entry points, migrations, setup page and workflow bundle', () => {
    for (const file of [
      'src/entrypoints/api.js',
      'src/entrypoints/worker.js',
      'src/entrypoints/cli.js',
      'src/http/setup/index.html',
      'workflow-bundle.js',
    ]) {
      expect(dist).toContain(file);
    }
    expect(dist.some((file) => file.startsWith('drizzle/') && file.endsWith('.sql'))).toBe(true);
  });

  it('contains no test double: nothing of testkit/, no simulator, no dev entry point', () => {
    expect(dist.filter((file) => /(^|\/)(testkit|test|bench)\//.test(file))).toEqual([]);
    expect(dist.filter((file) => /simulator/i.test(file))).toEqual([]);
    expect(dist).not.toContain('src/entrypoints/dev.js');
  });

  it('no compiled file and not the workflow bundle loads a module from testkit/', () => {
    const code = dist.filter((file) => file.endsWith('.js'));
    expect(code.length).toBeGreaterThan(50);
    // `require("../../testkit/…")` in compiled files, `./testkit/…` module ids in the bundle (comments name it bare).
    const loadsTestkit = /\.\/testkit\//;
    const referring = code.filter((file) => loadsTestkit.test(readFileSync(path.join(work, 'dist', file), 'utf8')));
    expect(referring).toEqual([]);
  });

  it('a new workflow instance evaluates no zod: the settings validators load on first use only', () => {
    // Every workflow instance evaluates the modules its entry imports eagerly (workflows/settings-patches.ts says why).
    const graph = eagerImports(readFileSync(path.join(work, 'dist', 'workflow-bundle.js'), 'utf8'));
    const entry = [...graph.keys()].find((id) => id.endsWith('workflows/index.ts'));
    expect(entry).toBeDefined();
    const reached = new Set<string>([entry!]);
    for (const id of reached) for (const next of graph.get(id) ?? []) reached.add(next);
    expect(reached.size).toBeGreaterThan(20);
    expect([...graph.keys()].some((id) => id.includes('/zod/'))).toBe(true); // bundled, for the first update
    expect([...reached].filter((id) => id.includes('/zod/') || id.endsWith('settings.ts'))).toEqual([]);
  });
});

/** Module id → the module ids it requires at its top level (not inside a function), read from a webpack bundle. */
function eagerImports(bundle: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const chunk of bundle.split(/\n\/\*{3}\/ "/).slice(1)) {
    const id = chunk.slice(0, chunk.indexOf('"'));
    const eager = [
      ...chunk.matchAll(
        /^(?:\/\* harmony import \*\/ )?(?:(?:var|const|let) [\w$]+ = )?__webpack_require__\(\/\*! [^*]+\*\/ "([^"]+)"\)/gm,
      ),
    ];
    graph.set(
      id,
      eager.map((m) => m[1]!),
    );
  }
  return graph;
}
