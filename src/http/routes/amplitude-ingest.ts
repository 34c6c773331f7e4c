import { Router, type Request, type Response } from 'express';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Connection } from '../../connections/repository';
import {
  ENDPOINT_LIMITS,
  errorBodyFor,
  invalidApiKeyBody,
  invalidEventsBody,
  invalidJsonBody,
  IDENTIFY_SUCCESS_TEXT,
  isJsonContentType,
  missingEventBody,
  parseIdentifyRequest,
  decodeUploadRequest,
  successBody,
  throttledBody,
  tooLargeBody,
  validateEvents,
  type AmplitudeErrorBody,
  type UploadEndpoint,
  type UploadParseResult,
} from '../../amplitude/protocol';
import type { Db } from '../../db/client';
import { isDataError, pathToNul } from '../../db/storable';
import { insertOutboxRows, type InsertedRows, type NewOutboxRow } from '../../destination/outbox';
import { outboxRowsForEvents, outboxRowsForIdentifications, storableEventCheck } from '../../destination/ingest';
import { findUnstorableRows } from '../../destination/unstorable-rows';
import { parseExportPayload } from '../../destination/export-event';
import { readRequestBody, type BodyFailureReason } from '../request-body';
import { limitPerIp } from '../rate-limits';
import { StreamedUpload, validateInSlices } from '../streamed-upload';
import { syncIngestKeys, type SyncIngestDeps } from '../ingest-key-cache';
import { QUOTA_REASON } from '../../delivery/quota';

/**
 * Amplitude-compatible ingestion for destination syncs: the HTTP V2 API (/2/httpapi), Batch
 * (/batch) and Identify (/identify) request formats, answered in Amplitude's own response format,
 * so Amplitude SDKs and tools point at us by changing only the server URL. The `api_key` is the
 * sync's ingest key. Rows are stored (deduplicated by insert_id) before we answer 200. Whether the sync is
 * enabled is the workflow's call, not ours: a disabled sync's workflow records what arrives as skipped.
 *
 * What a stranger can make us spend (see README "Security"):
 * - bodies: HTTP V2, Identify and the streaming webhook at most 1 MB (Amplitude's limit), refused from the
 *   Content-Length before a byte is read; Batch up to 20 MB, but only once the api_key (which must come
 *   within the first 1 MB) is known to be ours: the rest of an unknown key's body is never read.
 * - memory: every body held counts against INGEST_MAX_BUFFERED_BYTES (past it, 503), which bounds how
 *   many large bodies are parsed at once; a Batch body over 1 MB is parsed incrementally, so no single
 *   request holds the event loop.
 * - requests: RATE_LIMIT_PER_IP per client and RATE_LIMIT_PER_INGEST_KEY per key, answered 429 in
 *   Amplitude's format; key lookups are cached (an LRU, negatives briefly) so spraying random keys
 *   costs one indexed lookup each and cannot evict the keys in use.
 * - storage: a sync holding CONNECTION_MAX_PENDING_ROWS pending rows is answered Amplitude's 429 (with
 *   Retry-After) until delivery has taken some: SDKs keep the events and send them again later.
 * - events we could not store or deliver (U+0000, a `time` no date can hold, overlong names and ids)
 *   are refused by index in Amplitude's 400, never a 503 an SDK would retry forever.
 */
/** Below this a body is parsed in one go; above it (Batch only) incrementally, and only for a known key. */
const WHOLE_PARSE_MAX_BYTES = 1_000_000;
const IDENTIFY_MAX_BODY_BYTES = 1_000_000;
const STREAMING_WEBHOOK_MAX_BODY_BYTES = 1_000_000;
/** Events turned into rows between turns of the event loop, for a large Batch. */
const ROW_SLICE = 10;
const ROWS_PER_STATEMENT = 200;
/**
 * A Postgres that does not answer (down, or the driver waiting out its reconnect backoff) must not hold an SDK past
 * its own timeout: 503 after INGEST_STORE_TIMEOUT, like the webhook receiver. A write that still commits later is not
 * doubled when the SDK retries (insert_id dedupe), and its shard is rung by the doorbell's safety ring.
 */
function withinStoreDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  work.catch(() => {}); // a late failure was already answered as the timeout
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not stored within ${timeoutMs} ms`)), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
const STATEMENT_BYTES = 256_000;
export const WEBHOOK_STREAMING_PATH = '/amplitude/webhook';
/** The pause a sync over its storage quota asks of senders: delivery usually frees room within it. */
const QUOTA_RETRY_AFTER_SECONDS = 30;

class KeyLookupFailed extends Error {}

export function amplitudeIngestRoutes(deps: SyncIngestDeps): Router {
  const { services, doorbell, limits, bodyBudget, quota } = deps;
  const { db, metrics, logger } = services;
  const router = Router();
  const keys = syncIngestKeys(deps.connections.repository, 'intercom_destination');

  /** The enabled-or-not sync owning an ingest key; throws KeyLookupFailed when the database cannot say. */
  async function syncFor(apiKey: string): Promise<Connection | undefined> {
    try {
      return await keys.lookup(apiKey);
    } catch (err) {
      logger.error({ err: { message: firstLine(err) } }, 'ingest key lookup failed');
      throw new KeyLookupFailed();
    }
  }

  /** Amplitude's answer for a refusal we decided on (not a parse result): always JSON with `code`. */
  function refuse(res: Response, endpoint: string, outcome: string, status: number, body: AmplitudeErrorBody) {
    metrics.ingest.inc({ endpoint, outcome });
    res.status(status).json(body);
  }

  /** The key's sync, or the answer already sent (unknown key, lookup failure, key over its budget). */
  async function authorise(res: Response, endpoint: string, apiKey: string, unknownStatus = 400) {
    let connection: Connection | undefined;
    try {
      connection = await syncFor(apiKey);
    } catch {
      // 503 in Amplitude's format: nothing was committed, the SDK retries.
      refuse(res, endpoint, 'lookup_failed', 503, errorBodyFor(503));
      return undefined;
    }
    if (!connection) {
      if (unknownStatus === 401)
        refuse(res, endpoint, 'invalid_api_key', 401, {
          code: 401,
          error: 'missing or invalid ingest key (Authorization: Bearer <ingest key>)',
        });
      else refuse(res, endpoint, 'invalid_api_key', 400, invalidApiKeyBody());
      return undefined;
    }
    const waitMs = await limits.perIngestKey.spend(connection.id);
    if (waitMs !== undefined) {
      res.set('retry-after', String(Math.ceil(waitMs / 1000)));
      refuse(res, endpoint, 'rate_limited', 429, errorBodyFor(429));
      return undefined;
    }
    if (quota.isOver(connection.id)) {
      // Nothing is stored: the SDK keeps the events and retries after the pause, as for any 429 of Amplitude's.
      res.set('retry-after', String(QUOTA_RETRY_AFTER_SECONDS));
      refuse(res, endpoint, QUOTA_REASON, 429, errorBodyFor(429));
      return undefined;
    }
    return connection;
  }

  /** The answer to a body we could not read whole. */
  function bodyFailure(res: Response, endpoint: string, reason: BodyFailureReason): void {
    if (reason === 'aborted' || res.headersSent) return;
    res.set('connection', 'close');
    if (reason === 'too_large') refuse(res, endpoint, 'rejected_413', 413, tooLargeBody());
    else if (reason === 'busy') refuse(res, endpoint, 'busy', 503, errorBodyFor(503));
    else refuse(res, endpoint, 'rejected_400', 400, invalidJsonBody());
  }

  /**
   * Small requests (what SDKs send) go in one statement. Larger ones go in statements of at most
   * ROWS_PER_STATEMENT rows and about STATEMENT_BYTES of payload, each serialised between turns of the
   * event loop, inside one transaction: Amplitude's "not committed" still holds for a 503.
   */
  async function insertRows(rows: NewOutboxRow[], payloadBytes: number): Promise<InsertedRows> {
    const statements = Math.max(Math.ceil(rows.length / ROWS_PER_STATEMENT), Math.ceil(payloadBytes / STATEMENT_BYTES));
    if (statements <= 1) return insertOutboxRows(db, rows);
    const perStatement = Math.ceil(rows.length / statements);
    return db.transaction(async (tx) => {
      const all: InsertedRows = { inserted: 0, shards: [] };
      for (let start = 0; start < rows.length; start += perStatement) {
        const part = await insertOutboxRows(tx as unknown as Db, rows.slice(start, start + perStatement));
        all.inserted += part.inserted;
        all.shards.push(...part.shards);
      }
      return all;
    });
  }

  async function store(
    res: Response,
    endpoint: string,
    connection: Connection,
    rows: NewOutboxRow[],
    payloadBytes: number,
    answer: () => void,
  ) {
    try {
      const { inserted, shards } = await withinStoreDeadline(
        insertRows(rows, payloadBytes),
        services.env.INGEST_STORE_TIMEOUT,
      );
      metrics.ingest.inc({ endpoint, outcome: 'accepted' }, inserted);
      if (rows.length > inserted) metrics.ingest.inc({ endpoint, outcome: 'duplicate' }, rows.length - inserted);
      for (const s of shards) doorbell.stored('intercom', s.shard, s.claimable, s.connectionId);
      answer();
    } catch (err) {
      if (isDataError(err)) return refuseUnstorable(res, endpoint, connection, rows);
      metrics.ingest.inc({ endpoint, outcome: 'storage_error' }, rows.length);
      logger.error(
        { err: { message: firstLine(err) }, connectionId: connection.id },
        'could not store ingested events',
      );
      // 503: Amplitude's "nothing was committed, retry" answer, which SDKs retry.
      res.status(503).json(errorBodyFor(503));
    }
  }

  /** Postgres refused the content itself: name the events (a retry would fail the same way). */
  async function refuseUnstorable(res: Response, endpoint: string, connection: Connection, rows: NewOutboxRow[]) {
    let indexes: number[];
    try {
      indexes = await findUnstorableRows(db, rows);
    } catch {
      indexes = [];
    }
    logger.warn(
      { connectionId: connection.id, events: indexes.slice(0, 20) },
      'ingested events refused by the database',
    );
    if (indexes.length === 0) return refuse(res, endpoint, 'storage_error', 503, errorBodyFor(503));
    metrics.ingest.inc({ endpoint, outcome: 'rejected_400' }, indexes.length);
    res.status(400).json(
      invalidEventsBody({
        invalidFields: { event: indexes },
        missingFields: {},
        invalidIdLengths: {},
      }),
    );
  }

  const upload = (endpoint: UploadEndpoint) => async (req: Request, res: Response) => {
    const contentType = req.get('content-type');
    const maxBodyBytes = ENDPOINT_LIMITS[endpoint].maxBodyBytes;
    const prefix: Buffer[] = [];
    let streamed: StreamedUpload | undefined;
    let connection: Connection | undefined;
    let answered = false;

    /** Batch past 1 MB: from here on parsed as it arrives, and only once its key is known to be ours. */
    const onBatchChunk = async (chunk: Buffer, total: number): Promise<boolean> => {
      if (!streamed) {
        prefix.push(chunk);
        if (total <= WHOLE_PARSE_MAX_BYTES) return true;
        if (!isJsonContentType(contentType)) return false;
        streamed = new StreamedUpload(endpoint);
        for (const part of prefix.splice(0)) await streamed.write(part);
        if (streamed.rejection) return false;
        // The key must come first: a stranger's long body is not read (nor parsed) past its first megabyte.
        if (!streamed.apiKey) return false;
        connection = await authorise(res, endpoint, streamed.apiKey);
        answered = !connection;
        return !!connection;
      }
      await streamed.write(chunk);
      return !streamed.rejection;
    };

    const body = await readRequestBody(req, {
      limit: maxBodyBytes,
      budget: bodyBudget,
      ...(endpoint === 'batch' ? { onChunk: onBatchChunk, collect: false } : {}),
    });
    try {
      if (!body.ok) {
        if (answered || body.reason !== 'stopped') return bodyFailure(res, endpoint, body.reason);
        res.set('connection', 'close');
        const rejection = streamed?.rejection ?? {
          status: isJsonContentType(contentType) ? 413 : 400,
          body: isJsonContentType(contentType) ? tooLargeBody() : invalidJsonBody(),
        };
        return refuse(res, endpoint, `rejected_${rejection.status}`, rejection.status, rejection.body);
      }
      let parsed: UploadParseResult;
      if (streamed) {
        parsed = await streamed.finish(body.reserved, storableEventCheck);
      } else {
        const bytes = endpoint === 'batch' ? Buffer.concat(prefix) : body.bytes;
        // readRequestBody has undone Content-Encoding already, so none is passed on.
        const decoded = decodeUploadRequest(bytes, { contentType }, endpoint);
        parsed = decoded.ok
          ? await validateInSlices(decoded.envelope, decoded.payloadSizeBytes, storableEventCheck)
          : decoded;
      }
      if (!parsed.ok) return refuse(res, endpoint, `rejected_${parsed.status}`, parsed.status, parsed.body);
      connection ??= await authorise(res, endpoint, parsed.apiKey);
      if (!connection) return;
      const receivedAt = new Date();
      const rows: NewOutboxRow[] = [];
      for (let start = 0; start < parsed.events.length; start += ROW_SLICE) {
        if (start > 0) await nextTurn();
        rows.push(...outboxRowsForEvents(connection.id, parsed.events.slice(start, start + ROW_SLICE), receivedAt));
      }
      const accepted = parsed;
      await store(res, endpoint, connection, rows, accepted.payloadSizeBytes, () =>
        res.status(200).json(successBody(accepted.events.length, accepted.payloadSizeBytes, receivedAt.getTime())),
      );
    } finally {
      bodyBudget.release(body.reserved);
    }
  };

  /** Amplitude's 429 (no users or devices listed: the whole request waits), with Retry-After. */
  const amplitudeRateLimited = (res: Response, waitMs: number) => {
    metrics.ingest.inc({ endpoint: 'any', outcome: 'rate_limited' });
    res.set('retry-after', String(Math.ceil(waitMs / 1000)));
    res
      .status(429)
      .json(throttledBody({ epsThreshold: 0, throttledUsers: {}, throttledDevices: {}, throttledEvents: [] }));
  };
  const perIp = limitPerIp(limits.perIp, amplitudeRateLimited);

  router.post('/2/httpapi', perIp, upload('httpapi'));
  router.post('/batch', perIp, upload('batch'));

  const identify = async (req: Request, res: Response) => {
    // GET carries everything in the query string (Node caps its size); a body on a GET is not read.
    const body =
      req.method === 'POST'
        ? await readRequestBody(req, { limit: IDENTIFY_MAX_BODY_BYTES, budget: bodyBudget })
        : { ok: true as const, bytes: Buffer.alloc(0), reserved: 0 };
    try {
      if (!body.ok) return bodyFailure(res, 'identify', body.reason);
      const parsed = parseIdentifyRequest(body.bytes, req.get('content-type'), req.query as Record<string, unknown>);
      if (!parsed.ok) return refuse(res, 'identify', `rejected_${parsed.status}`, parsed.status, parsed.body);
      // Identify answers any bad identification with missing_event; U+0000 is one we could not store.
      if (pathToNul(parsed.identifications)) return refuse(res, 'identify', 'rejected_400', 400, missingEventBody());
      const connection = await authorise(res, 'identify', parsed.apiKey);
      if (!connection) return;
      const rows = outboxRowsForIdentifications(connection.id, parsed.identifications, new Date());
      await store(res, 'identify', connection, rows, body.bytes.length, () =>
        res.status(200).type('text/plain').send(IDENTIFY_SUCCESS_TEXT),
      );
    } finally {
      bodyBudget.release(body.reserved);
    }
  };
  router.post('/identify', perIp, identify);
  router.get('/identify', perIp, identify);

  /**
   * Amplitude's Webhook streaming destination: one Export-format event (or Identify-format user) per
   * POST. It cannot send an api_key in the body, so the ingest key comes in one of its custom headers:
   * `Authorization: Bearer <ingest key>` (or `X-Ingest-Key`). The key is checked before the body is read.
   */
  router.post(WEBHOOK_STREAMING_PATH, perIp, async (req, res) => {
    const endpoint = 'webhook_streaming';
    const header = req.get('authorization') ?? '';
    const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : req.get('x-ingest-key');
    if (!key) {
      res.set('connection', 'close');
      return refuse(res, endpoint, 'invalid_api_key', 401, {
        code: 401,
        error: 'missing or invalid ingest key (Authorization: Bearer <ingest key>)',
      });
    }
    const connection = await authorise(res, endpoint, key, 401);
    if (!connection) {
      res.set('connection', 'close');
      return;
    }
    const body = await readRequestBody(req, { limit: STREAMING_WEBHOOK_MAX_BODY_BYTES, budget: bodyBudget });
    try {
      if (!body.ok) return bodyFailure(res, endpoint, body.reason);
      let json: unknown;
      try {
        json = JSON.parse(body.bytes.toString('utf8'));
      } catch {
        json = undefined;
      }
      const parsed =
        json === undefined ? { ok: false as const, error: 'body is not valid JSON' } : parseExportPayload(json);
      if (!parsed.ok) return refuse(res, endpoint, 'rejected_400', 400, { code: 400, error: parsed.error });
      const nulAt = pathToNul(json);
      if (nulAt) return refuse(res, endpoint, 'rejected_400', 400, { code: 400, error: `${nulAt} contains U+0000` });
      if (parsed.payload.kind === 'event') {
        // The same per-event rules as an upload (a `time` no date can hold, overlong ids and names).
        const checked = validateEvents([parsed.payload.event], 1, { extraCheck: storableEventCheck });
        if (checked.hasIssues) return refuse(res, endpoint, 'rejected_400', 400, invalidEventsBody(checked.issues));
      }
      const receivedAt = new Date();
      const rows =
        parsed.payload.kind === 'event'
          ? outboxRowsForEvents(connection.id, [parsed.payload.event], receivedAt)
          : outboxRowsForIdentifications(connection.id, [parsed.payload.identification], receivedAt);
      await store(res, endpoint, connection, rows, body.bytes.length, () => res.status(200).json({ code: 200 }));
    } finally {
      bodyBudget.release(body.reserved);
    }
  });

  return router;
}

/** A driver error's first line: drizzle's message goes on with the statement's parameters (the payloads). */
function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
