import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, startIntercom, type Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h?.sim.close();
});

describe('Intercom simulator: rate limits', () => {
  it('sends X-RateLimit-* on every answer, 429 past limit/6 in a 10 s window, and resets with the window', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 14, 12, 0, 3)); // 3 s into a window
    h = await startIntercom({ rateLimitPerMinute: 60, now: clock.now });
    const resetAt = Date.UTC(2026, 0, 14, 12, 0, 10) / 1000;

    for (let i = 1; i <= 10; i++) {
      const res = await h.call('GET', '/me');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('60');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(10 - i));
      expect(res.headers.get('x-ratelimit-reset')).toBe(String(resetAt));
    }
    const limited = await h.call('GET', '/me');
    expect(limited.status).toBe(429);
    expect(limited.json.errors).toEqual([{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit' }]);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('60');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String(resetAt));
    expect(h.sim.rateLimitStats('ws1')).toEqual({ calls: 11, limited: 1 });

    // Limits are per workspace.
    const other = h.sim.addWorkspace({ appId: 'ws2' });
    expect((await h.call('GET', '/me', { token: other.accessToken })).status).toBe(200);

    clock.set(resetAt * 1000);
    const afterReset = await h.call('GET', '/me');
    expect(afterReset.status).toBe(200);
    expect(afterReset.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(afterReset.headers.get('x-ratelimit-reset')).toBe(String(resetAt + 10));
  });

  it('the limit can change at runtime', async () => {
    const clock = manualClock();
    h = await startIntercom({ now: clock.now });
    expect((await h.call('GET', '/me')).headers.get('x-ratelimit-remaining')).toBe('1665');
    h.sim.setRateLimit(6);
    expect((await h.call('GET', '/me')).status).toBe(429);
    expect(h.sim.rateLimitStats()).toEqual({ calls: 2, limited: 1 });
  });
});

describe('Intercom simulator: injected faults', () => {
  it('answers injected 5xx and 429 with Intercom error.list bodies', async () => {
    h = await startIntercom();
    h.sim.faults.failNext(1, 500, { path: '/contacts' });
    h.sim.faults.failNext(1, 503, { path: '/contacts' });
    h.sim.faults.failNext(1, 429, { path: '/contacts' });
    const codes: string[] = [];
    for (const status of [500, 503, 429]) {
      const res = await h.call('POST', '/contacts', { body: { external_id: 'u-1' } });
      expect(res.status).toBe(status);
      expect(res.json.type).toBe('error.list');
      codes.push(res.json.errors[0].code);
    }
    expect(codes).toEqual(['server_error', 'service_unavailable', 'rate_limit_exceeded']);
    expect((await h.call('POST', '/contacts', { body: { external_id: 'u-1' } })).status).toBe(200);
    expect(h.sim.faults.injected).toEqual({ '500': 1, '503': 1, '429': 1 });
  });

  it('stored, then failed: an after-handling fault creates the contact and answers 500', async () => {
    h = await startIntercom();
    h.sim.faults.add({ method: 'POST', path: '/contacts', status: 500, afterHandling: true });
    const failed = await h.call('POST', '/contacts', { body: { external_id: 'stored-then-500' } });
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ type: 'error.list', errors: [{ code: 'server_error' }] });
    expect(h.sim.contacts(h.appId).map((c) => c.external_id)).toEqual(['stored-then-500']);
    expect(h.sim.faults.injected).toEqual({ '500 after handling': 1 });
  });

  it('a hanging request trips the client timeout, and close() releases it', async () => {
    h = await startIntercom();
    h.sim.faults.add({ path: '/me', hang: true });
    const started = Date.now();
    await expect(
      fetch(`${h.baseUrl}/me`, { headers: { Authorization: `Bearer ${h.token}` }, signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.sim.faults.injected.hang).toBe(1);

    h.sim.faults.add({ path: '/me', hang: true });
    const pending = fetch(`${h.baseUrl}/me`, { headers: { Authorization: `Bearer ${h.token}` } }).then(
      () => 'answered',
      () => 'released',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.sim.close();
    expect(await pending).toBe('released');
  });
});
