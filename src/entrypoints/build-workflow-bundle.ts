import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Prebuilds the workflow bundle so production workers start without webpack. */
async function main() {
  const root = path.resolve(__dirname, '../..');
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'workflows/index.ts') });
  const out = path.resolve(process.argv[2] ?? path.join(root, 'dist/workflow-bundle.js'));
  writeFileSync(out, code);
  process.stdout.write(`workflow bundle written to ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
