import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type autocannon from 'autocannon';
import type { LoadOptions } from './webhook-load';
import type { IngestLoadOptions } from './ingest-load';
import type { PacedLoadOptions, PacedResult } from './paced-load';

/** Runs the webhook load generator in its own process and returns autocannon's result. */
export function runLoadProcess(options: LoadOptions): Promise<autocannon.Result> {
  return runGenerator<autocannon.Result>('webhook-load.ts', options);
}

/** Runs the evenly paced webhook generator (bench/lib/paced-load.ts) in its own process. */
export function runPacedLoadProcess(options: PacedLoadOptions): Promise<PacedResult> {
  return runGenerator('paced-load.ts', options);
}

/** Runs the ingestion load generator (events to destination syncs) in its own process. */
export function runIngestLoadProcess(options: IngestLoadOptions): Promise<autocannon.Result> {
  return runGenerator<autocannon.Result>('ingest-load.ts', options);
}

async function runGenerator<Result>(file: string, options: unknown): Promise<Result> {
  const script = path.join(__dirname, file);
  // The options go in a file: a thousand tenants' keys would exceed the command line's limit (E2BIG).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
  const optionsFile = path.join(dir, 'options.json');
  writeFileSync(optionsFile, JSON.stringify(options));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, optionsFile], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
