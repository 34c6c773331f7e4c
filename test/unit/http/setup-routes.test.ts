import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupRoutes } from '../../../src/http/routes/setup';

const SETUP_DIR = path.resolve(__dirname, '../../../src/http/setup');

describe('setup page files', () => {
  let base: string;
  let close: () => void;
  beforeAll(async () => {
    const app = express().use(setupRoutes());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  it('serves every module and style sheet of the page, with its type and the page’s content security policy', async () => {
    const files = readdirSync(SETUP_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(js|css)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['main.js', 'style.css', path.join('screens', 'source', 'index.js')]));
    for (const file of files) {
      const response = await fetch(`${base}/setup/assets/${file.split(path.sep).join('/')}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type')).toMatch(file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('serves nothing else from its folder or beyond', async () => {
    for (const attempt of [
      'index.html',
      '../routes/setup.ts',
      '%2e%2e/routes/setup.ts',
      'lib/../../routes/setup.ts',
      'nope.js',
    ])
      expect((await fetch(`${base}/setup/assets/${attempt}`)).status, attempt).toBe(404);
    expect((await fetch(`${base}/setup`)).headers.get('content-type')).toMatch(/^text\/html/);
  });
});
