import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type autocannon from 'autocannon';
import type { LoadOptions } from './webhook-load';
import type { IngestLoadOptions } from './ingest-load';

/** Runs the webhook load generator in its own process and returns autocannon's result. */
export function runLoadProcess(options: LoadOptions): Promise<autocannon.Result> {
  return runGenerator('webhook-load.ts', options);
}

/** Runs the ingestion load generator (events to destination syncs) in its own process. */
export function runIngestLoadProcess(options: IngestLoadOptions): Promise<autocannon.Result> {
  return runGenerator('ingest-load.ts', options);
}

async function runGenerator(file: string, options: unknown): Promise<autocannon.Result> {
  const script = path.join(__dirname, file);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout) as autocannon.Result;
}
