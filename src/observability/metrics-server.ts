import http from 'node:http';
import type { Metrics } from './metrics';
import { sharedRead } from '../util/shared-read';
import { bearerMatches } from '../http/admin-auth';

/** Our registry followed by the Temporal SDK's own metrics, as one Prometheus text page. */
export async function renderMetrics(metrics: Metrics, extra?: () => Promise<string>): Promise<string> {
  const ours = await metrics.registry.metrics();
  const theirs = extra ? await extra().catch(() => '') : '';
  return theirs ? `${ours}\n${theirs}` : ours;
}

/** The worker has no API: it serves /metrics on its own port. */
export function startMetricsServer(
  port: number,
  metrics: Metrics,
  options: { extra?: () => Promise<string>; token?: string } = {},
): http.Server {
  const { extra, token } = options;
  // Scrapes that arrive together share one rendering.
  const page = sharedRead(() => renderMetrics(metrics, extra), { maxAgeMs: 0 });
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    page().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port);
  return server;
}
