import { describe, expect, it } from 'vitest';
import { checkResults, type ResultFile } from '../../../../bench/lib/results-check';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const readme = (performance: string) => `# Title\n\n## Performance\n\n${performance}\n\n## Configuration\n\nx\n`;
const result = (name: string, fields: Record<string, unknown> = {}): ResultFile => ({
  name,
  json: { commit: SHA, dirty: false, machine: { cpus: 2 }, runs: 5, ...fields },
});
const clean = () => [];

describe('README "Performance" tied to the code it measured', () => {
  it('passes when every result is of the quoted commit, clean, 5 runs, and only docs changed since', () => {
    const problems = checkResults({
      readme: readme(`Measured on commit \`${SHA.slice(0, 8)}\`: 7,491/s.`),
      results: [result('ingest'), result('e2e'), result('fault-kill9', { runs: 1 })],
      codeChangedSince: clean,
    });
    expect(problems).toEqual([]);
  });

  it('fails results without a commit, dirty ones, and ones of another commit than the README quotes', () => {
    const problems = checkResults({
      readme: readme(`commit \`deadbee\``),
      results: [{ name: 'old', json: { machine: {} } }, result('dirty', { dirty: true }), result('other')],
      codeChangedSince: clean,
    });
    expect(problems).toEqual([
      'old: no commit, dirty, runs recorded (measured before results were tied to code)',
      'dirty: measured on a work tree with uncommitted changes',
      `dirty: measured on ${SHA.slice(0, 12)}, README quotes deadbee`,
      `other: measured on ${SHA.slice(0, 12)}, README quotes deadbee`,
    ]);
  });

  it('fails when code changed after the measured commit, or the commit is not in the history', () => {
    const problems = checkResults({
      readme: readme(`commit \`${SHA.slice(0, 7)}\``),
      results: [result('e2e')],
      codeChangedSince: () => ['src/source/inbox.ts', 'workflows/a.ts', 'b.ts', 'c.ts'],
    });
    expect(problems).toEqual([
      `e2e: code changed since ${SHA.slice(0, 12)} (4 files: src/source/inbox.ts, workflows/a.ts, b.ts, …)`,
    ]);
    expect(
      checkResults({
        readme: readme(`commit \`${SHA.slice(0, 7)}\``),
        results: [result('e2e')],
        codeChangedSince: () => undefined,
      }),
    ).toEqual([`e2e: measured on ${SHA.slice(0, 12)}, a commit not in this history`]);
  });

  it('fails a README without a commit, with placeholders left, and benchmarks of fewer than 5 runs', () => {
    const problems = checkResults({
      readme: readme('p99 ⟨median of 5 runs⟩ ms'),
      results: [result('ingest', { runs: 3 })],
      codeChangedSince: clean,
    });
    expect(problems).toEqual([
      'README "Performance" names no commit (expected: commit `<sha>`)',
      'README "Performance" still has placeholders (first: ⟨median of 5 runs⟩)',
      'ingest: 3 run(s); the README quotes medians of 5 (--runs 5)',
    ]);
  });

  it('reads only the Performance section', () => {
    const text = `## Performance\n\ncommit \`${SHA.slice(0, 7)}\`\n\n## Later\n\n⟨placeholder elsewhere⟩\n`;
    expect(checkResults({ readme: text, results: [result('e2e')], codeChangedSince: clean })).toEqual([]);
    expect(checkResults({ readme: '# nothing', results: [], codeChangedSince: clean })).toEqual([
      'README has no "## Performance" section',
    ]);
  });
});
