import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BodyBudget, readRequestBody, type ReadBodyOptions } from '../../../src/http/request-body';

/** A server whose handler reads the body with the options of the request's test and reports the result. */
describe('readRequestBody', () => {
  let server: Server;
  let url: string;
  let options: ReadBodyOptions;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const result = await readRequestBody(req, options);
      options.budget.release(result.reserved);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(result.ok ? { ok: true, length: result.bytes.length } : { ok: false, reason: result.reason }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function send(body: Buffer | string, headers: Record<string, string> = {}) {
    const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
    return (await response.json()) as { ok: boolean; length?: number; reason?: string };
  }

  it('reads a body up to the limit, and gzip is undone', async () => {
    options = { limit: 1_000, budget: new BodyBudget(10_000) };
    expect(await send('x'.repeat(1_000))).toEqual({ ok: true, length: 1_000 });
    expect(await send(gzipSync('y'.repeat(900)), { 'content-encoding': 'gzip' })).toEqual({ ok: true, length: 900 });
  });

  it('refuses a body over the limit, counted after decompression (a gzip bomb stops at the limit)', async () => {
    options = { limit: 1_000, budget: new BodyBudget(10_000_000) };
    expect(await send('x'.repeat(1_001))).toEqual({ ok: false, reason: 'too_large' });
    const bomb = gzipSync(Buffer.alloc(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    expect(await send(bomb, { 'content-encoding': 'gzip' })).toEqual({ ok: false, reason: 'too_large' });
  });

  it('answers a corrupt or unknown encoding as bad_encoding', async () => {
    options = { limit: 1_000, budget: new BodyBudget(10_000) };
    expect(await send('not gzip', { 'content-encoding': 'gzip' })).toEqual({ ok: false, reason: 'bad_encoding' });
    expect(await send('x', { 'content-encoding': 'br' })).toEqual({ ok: false, reason: 'bad_encoding' });
  });

  it('refuses when the shared budget is spent, and gives it back afterwards', async () => {
    const budget = new BodyBudget(2_000);
    options = { limit: 10_000, budget };
    expect(await send('x'.repeat(3_000))).toEqual({ ok: false, reason: 'busy' });
    expect(budget.inUse).toBe(0);
    expect(await send('x'.repeat(1_500))).toEqual({ ok: true, length: 1_500 });
  });

  it('stops reading when the consumer says so, without reading the rest', async () => {
    let seen = 0;
    options = {
      limit: 30_000_000,
      budget: new BodyBudget(30_000_000),
      onChunk: (_chunk, total) => {
        seen = total;
        return total < 100_000;
      },
    };
    expect(await send(Buffer.alloc(20_000_000, 'a'))).toEqual({ ok: false, reason: 'stopped' });
    expect(seen).toBeLessThan(1_000_000);
  });
});
