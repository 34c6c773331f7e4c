import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkResults, type ResultFile } from './lib/results-check';

/**
 * `npm run check:results`: does README "Performance" quote results measured on the code in this commit?
 * Prints what does not hold and exits 1; CI runs it as a warning, not a gate.
 */
const root = path.join(__dirname, '..');
const dir = path.join(root, 'bench', 'results');
const results: ResultFile[] = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ name: file.replace(/\.json$/, ''), json: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
function codeChangedSince(commit: string): string[] | undefined {
  try {
    git('cat-file', '-e', `${commit}^{commit}`);
  } catch {
    return undefined;
  }
  const excluded = ['README.md', 'bench/results', 'docs'].map((p) => `:(exclude)${p}`);
  return git('diff', '--name-only', commit, 'HEAD', '--', '.', ...excluded)
    .split('\n')
    .filter(Boolean);
}

const problems = checkResults({
  readme: readFileSync(path.join(root, 'README.md'), 'utf8'),
  results,
  codeChangedSince,
});
if (problems.length === 0) {
  process.stdout.write(`README "Performance" quotes results of this code (${results.length} result files checked)\n`);
} else {
  process.stdout.write(`README "Performance" does not quote results of this code:\n`);
  for (const problem of problems) process.stdout.write(`  - ${problem}\n`);
  process.exitCode = 1;
}
