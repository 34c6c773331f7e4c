#!/usr/bin/env node
// `connector …` / `npx connector …`: the operator CLI (src/entrypoints/cli.ts). In a checkout with
// dev dependencies it runs the sources through tsx, so it never lags behind them; in a built image
// (no tsx, no sources) it runs the compiled dist/.
'use strict';
const path = require('node:path');
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src/entrypoints/cli.ts');
let tsx;
try {
  tsx = require.resolve('tsx/cli', { paths: [root] });
} catch {
  tsx = undefined;
}
if (tsx && existsSync(source)) {
  const run = spawnSync(process.execPath, [tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
} else {
  require(path.join(root, 'dist/src/entrypoints/cli.js'));
}
