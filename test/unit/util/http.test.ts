import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSend } from '../../../src/util/http';

describe('httpSend', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 1_000);
        res.setHeader('x-ratelimit-remaining', '7');
        res.statusCode = req.url === '/missing' ? 404 : 200;
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'] ?? null, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the method, headers and body and hands back status, headers and text', async () => {
    const response = await httpSend(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('7');
    expect(response.headers.get('x-absent')).toBeNull();
    expect(JSON.parse(await response.text())).toEqual({ method: 'POST', type: 'application/json', body: '{"a":1}' });
  });

  it('answers error statuses as answers, not as exceptions', async () => {
    const response = await httpSend(`${base}/missing`, { method: 'GET', headers: {}, timeoutMs: 5_000 });
    expect(response.status).toBe(404);
    expect(JSON.parse(await response.text())).toMatchObject({ method: 'GET' });
  });

  it('rejects with a TimeoutError when no answer comes in time', async () => {
    const error = await httpSend(`${base}/slow`, { method: 'GET', headers: {}, timeoutMs: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
  });

  it('rejects when nobody listens', async () => {
    await expect(httpSend('http://127.0.0.1:1/', { method: 'GET', headers: {}, timeoutMs: 1_000 })).rejects.toThrow();
  });
});
