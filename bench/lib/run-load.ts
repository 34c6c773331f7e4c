import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type autocannon from 'autocannon';
import type { LoadOptions } from './webhook-load';

/** Runs the webhook load generator in its own process and returns autocannon's result. */
export async function runLoadProcess(options: LoadOptions): Promise<autocannon.Result> {
  const script = path.join(__dirname, 'webhook-load.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as autocannon.Result;
}
