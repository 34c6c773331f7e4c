import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Files `npm run dev` keeps under its data folder so a restart continues where it stopped, and so
 * the operator CLI finds the running dev API without being told. All are written 0600: they hold
 * the admin token and the simulated Intercom's secrets.
 */
export const DEV_FILES = {
  /** `{ apiUrl, adminToken }` of the running (or last) dev API, read by the CLI. */
  api: 'dev-api.json',
  /** The simulated Intercom: client secret, workspaces, tokens, contacts (see IntercomSimulator.exportState). */
  intercom: 'intercom-simulator.json',
} as const;

export interface DevApiFile {
  apiUrl: string;
  adminToken: string;
}

export function readJsonFile<T>(dataDir: string, name: string): T | undefined {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): fix it or delete it to start afresh`);
  }
}

/** Writes atomically (temp file, then rename), so a crash mid-write never leaves half a file. */
export function writeJsonFile(dataDir: string, name: string, value: unknown): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, name);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
