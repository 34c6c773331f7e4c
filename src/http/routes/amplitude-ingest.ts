import express, { Router, type Request, type Response } from 'express';
import { sha256Hex } from '../../crypto/secrets';
import type { Connection } from '../../connections/repository';
import type { ConnectionsService } from '../../connections/service';
import {
  errorBodyFor,
  invalidApiKeyBody,
  IDENTIFY_SUCCESS_TEXT,
  parseIdentifyRequest,
  parseUploadRequest,
  successBody,
  type UploadEndpoint,
} from '../../amplitude/protocol';
import { insertOutboxRows, type NewOutboxRow } from '../../destination/outbox';
import { outboxRowsForEvents, outboxRowsForIdentifications } from '../../destination/ingest';
import { parseExportPayload } from '../../destination/export-event';
import type { Services } from '../../runtime/services';
import type { Doorbell } from '../../temporal/doorbell';

/**
 * Amplitude-compatible ingestion for destination syncs: the HTTP V2 API (/2/httpapi), Batch
 * (/batch) and Identify (/identify) request formats, answered in Amplitude's own response format,
 * so Amplitude SDKs and tools point at us by changing only the server URL. The `api_key` is the
 * sync's ingest key. Rows are stored (deduplicated by insert_id) before we answer 200. Whether the sync is
 * enabled is the workflow's call, not ours: a disabled sync's workflow records what arrives as skipped.
 */
const KEY_CACHE_MS = 2_000;
export const WEBHOOK_STREAMING_PATH = '/amplitude/webhook';

export function amplitudeIngestRoutes(deps: {
  services: Services;
  connections: ConnectionsService;
  doorbell: Doorbell;
}): Router {
  const { services, doorbell } = deps;
  const { db, metrics, logger } = services;
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '25mb' });
  const keyCache = new Map<string, { connection?: Connection; expires: number }>();

  async function syncFor(apiKey: string): Promise<Connection | undefined> {
    const hash = sha256Hex(apiKey);
    const cached = keyCache.get(hash);
    if (cached && cached.expires > Date.now()) return cached.connection;
    const found = await deps.connections.repository.findByIngestKeyHash(hash);
    const connection =
      found && found.kind === 'intercom_destination' && found.status !== 'Disconnected' ? found : undefined;
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(hash, { connection, expires: Date.now() + KEY_CACHE_MS });
    return connection;
  }

  async function store(
    res: Response,
    endpoint: string,
    connection: Connection,
    rows: NewOutboxRow[],
    answer: () => void,
  ) {
    try {
      const { inserted, shards } = await insertOutboxRows(db, rows);
      metrics.ingest.inc({ endpoint, outcome: 'accepted' }, inserted);
      if (rows.length > inserted) metrics.ingest.inc({ endpoint, outcome: 'duplicate' }, rows.length - inserted);
      for (const s of shards) doorbell.stored('intercom', s.shard, s.claimable);
      answer();
    } catch (err) {
      metrics.ingest.inc({ endpoint, outcome: 'storage_error' }, rows.length);
      logger.error(
        { err: { message: (err as Error).message }, connectionId: connection.id },
        'could not store ingested events',
      );
      // 503: Amplitude's "nothing was committed, retry" answer, which SDKs retry.
      res.status(503).json(errorBodyFor(503));
    }
  }

  const upload = (endpoint: UploadEndpoint) => async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // express.raw has already undone Content-Encoding (its limit applies to the inflated bytes): decoding
    // again would read a gzip upload's JSON as a corrupt gzip stream.
    const parsed = parseUploadRequest(body, { contentType: req.get('content-type') }, endpoint);
    if (!parsed.ok) {
      metrics.ingest.inc({ endpoint, outcome: `rejected_${parsed.status}` });
      res.status(parsed.status).json(parsed.body);
      return;
    }
    const connection = await syncFor(parsed.apiKey);
    if (!connection) {
      metrics.ingest.inc({ endpoint, outcome: 'invalid_api_key' });
      res.status(400).json(invalidApiKeyBody());
      return;
    }
    const receivedAt = new Date();
    const rows = outboxRowsForEvents(connection.id, parsed.events, receivedAt);
    await store(res, endpoint, connection, rows, () =>
      res.status(200).json(successBody(parsed.events.length, parsed.payloadSizeBytes, receivedAt.getTime())),
    );
  };

  router.post('/2/httpapi', raw, upload('httpapi'));
  router.post('/batch', raw, upload('batch'));

  const identify = async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseIdentifyRequest(body, req.get('content-type'), req.query as Record<string, unknown>);
    if (!parsed.ok) {
      metrics.ingest.inc({ endpoint: 'identify', outcome: `rejected_${parsed.status}` });
      res.status(parsed.status).json(parsed.body);
      return;
    }
    const connection = await syncFor(parsed.apiKey);
    if (!connection) {
      metrics.ingest.inc({ endpoint: 'identify', outcome: 'invalid_api_key' });
      res.status(400).json(invalidApiKeyBody());
      return;
    }
    const rows = outboxRowsForIdentifications(connection.id, parsed.identifications, new Date());
    await store(res, 'identify', connection, rows, () =>
      res.status(200).type('text/plain').send(IDENTIFY_SUCCESS_TEXT),
    );
  };
  router.post('/identify', raw, identify);
  router.get('/identify', raw, identify);

  /**
   * Amplitude's Webhook streaming destination: one Export-format event (or Identify-format user) per
   * POST. It cannot send an api_key in the body, so the ingest key comes in one of its custom headers:
   * `Authorization: Bearer <ingest key>` (or `X-Ingest-Key`).
   */
  router.post(WEBHOOK_STREAMING_PATH, raw, async (req, res) => {
    const header = req.get('authorization') ?? '';
    const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : req.get('x-ingest-key');
    const connection = key ? await syncFor(key) : undefined;
    if (!connection) {
      metrics.ingest.inc({ endpoint: 'webhook_streaming', outcome: 'invalid_api_key' });
      res.status(401).json({ code: 401, error: 'missing or invalid ingest key (Authorization: Bearer <ingest key>)' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse((Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).toString('utf8'));
    } catch {
      body = undefined;
    }
    const parsed =
      body === undefined ? { ok: false as const, error: 'body is not valid JSON' } : parseExportPayload(body);
    if (!parsed.ok) {
      metrics.ingest.inc({ endpoint: 'webhook_streaming', outcome: 'rejected_400' });
      res.status(400).json({ code: 400, error: parsed.error });
      return;
    }
    const receivedAt = new Date();
    const rows =
      parsed.payload.kind === 'event'
        ? outboxRowsForEvents(connection.id, [parsed.payload.event], receivedAt)
        : outboxRowsForIdentifications(connection.id, [parsed.payload.identification], receivedAt);
    await store(res, 'webhook_streaming', connection, rows, () => res.status(200).json({ code: 200 }));
  });

  return router;
}
