import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

/**
 * Running connections outlive deployments: a worker with new workflow code must replay the histories the old code
 * wrote, or those workflows fail their next task. The histories under ./histories/<version> were recorded from
 * real runs on a Temporal dev server (scripts/record-workflow-histories.ts) and are replayed here against the
 * current code: a command added, removed or reordered without `patched` makes this test fail.
 */
const root = path.join(__dirname, 'histories');
const histories = readdirSync(root).flatMap((version) =>
  readdirSync(path.join(root, version))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: `${version}/${file}`, file: path.join(root, version, file) })),
);

describe('workflow histories of earlier versions replay against the current code', () => {
  it('has recorded histories of every long-running workflow type', () => {
    const types = new Set(histories.map(({ file }) => workflowType(file)));
    for (const type of ['sourceConnection', 'destinationSync', 'cohortSync', 'deliveryShard'])
      expect(types, `no recorded history of ${type}`).toContain(type);
  });

  it('replays each without a nondeterminism error', { timeout: 120_000 }, async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // already installed in this process
    }
    const failures: string[] = [];
    const results = Worker.runReplayHistories(
      { workflowsPath: path.join(__dirname, '../../../workflows/index.ts'), replayName: 'replay-test' },
      histories.map(({ name, file }) => ({ workflowId: name, history: historyFromJSON(readJson(file)) })),
    );
    let replayed = 0;
    for await (const result of results) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(replayed).toBe(histories.length);
    expect(failures).toEqual([]);
  });
});

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function workflowType(file: string): string {
  const first = (readJson(file) as any).events?.[0];
  return first?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
}
