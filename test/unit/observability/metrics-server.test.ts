import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { startMetricsServer } from '../../../src/observability/metrics-server';
import { Metrics } from '../../../src/observability/metrics';

/** The worker's /metrics port. */
describe('metrics server', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const start = async (token?: string) => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.delivered.inc({ direction: 'source' });
    server = startMetricsServer(0, metrics, { token, extra: async () => 'temporal_sdk_metric 1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  };

  it('serves ours and the SDK’s metrics to anyone when no token is set', async () => {
    const url = await start();
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/connector_events_delivered_total\{direction="source"\} 1/);
    expect(text).toContain('temporal_sdk_metric 1');
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it('with METRICS_TOKEN, answers only its bearer', async () => {
    const url = await start('metrics-token-0123456789');
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456788' } });
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const right = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(right.status).toBe(200);
    expect(await right.text()).toMatch(/connector_events_delivered_total/);
  });
});
