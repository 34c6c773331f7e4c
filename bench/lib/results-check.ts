/**
 * Whether README "Performance" quotes results of the code in the repository: every result names the
 * commit it measured, a clean work tree, the machine and its run count; the README names that commit;
 * nothing but documentation and results changed since; benchmarks ran the README's 5 runs; no placeholder
 * is left. Pure, so a test can feed it what git and the files would say (bench/check-results.ts does).
 */
export interface ResultFile {
  name: string;
  json: Record<string, unknown>;
}

export interface CheckInput {
  readme: string;
  results: readonly ResultFile[];
  /** Files changed between a commit and HEAD, outside documentation and results (undefined: unknown commit). */
  codeChangedSince: (commit: string) => string[] | undefined;
}

/** Benchmarks (not the fault scripts, whose runs are single by design) must be quoted from this many runs. */
export const README_RUNS = 5;
export const PLACEHOLDER = /⟨[^⟩]*⟩|\bTBD\b/;

export function performanceSection(readme: string): string | undefined {
  const match = /^## Performance\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme);
  return match?.[1];
}

export function checkResults(input: CheckInput): string[] {
  const problems: string[] = [];
  const section = performanceSection(input.readme);
  if (section === undefined) return ['README has no "## Performance" section'];
  const quoted = /commit `([0-9a-f]{7,40})`/.exec(section)?.[1];
  if (!quoted) problems.push('README "Performance" names no commit (expected: commit `<sha>`)');
  const placeholder = PLACEHOLDER.exec(section);
  if (placeholder) problems.push(`README "Performance" still has placeholders (first: ${placeholder[0]})`);
  if (input.results.length === 0) problems.push('no results in bench/results/');

  for (const { name, json } of input.results) {
    const commit = typeof json.commit === 'string' ? json.commit : undefined;
    const missing = ['commit', 'dirty', 'machine', 'runs'].filter((field) => json[field] === undefined);
    if (missing.length > 0) {
      problems.push(`${name}: no ${missing.join(', ')} recorded (measured before results were tied to code)`);
      continue;
    }
    if (json.dirty !== false) problems.push(`${name}: measured on a work tree with uncommitted changes`);
    if (quoted && !commit!.startsWith(quoted)) {
      problems.push(`${name}: measured on ${commit!.slice(0, 12)}, README quotes ${quoted}`);
    }
    const changed = input.codeChangedSince(commit!);
    if (changed === undefined)
      problems.push(`${name}: measured on ${commit!.slice(0, 12)}, a commit not in this history`);
    else if (changed.length > 0) {
      const some = changed.slice(0, 3).join(', ');
      problems.push(
        `${name}: code changed since ${commit!.slice(0, 12)} (${changed.length} files: ${some}${changed.length > 3 ? ', …' : ''})`,
      );
    }
    if (!name.startsWith('fault-') && Number(json.runs) < README_RUNS) {
      problems.push(
        `${name}: ${String(json.runs)} run(s); the README quotes medians of ${README_RUNS} (--runs ${README_RUNS})`,
      );
    }
  }
  return problems;
}
