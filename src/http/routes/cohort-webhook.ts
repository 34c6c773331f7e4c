import { Router, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Connection } from '../../connections/repository';
import { addCounters, recordLastBatch } from '../../connections/repository';
import type { Db } from '../../db/client';
import { isDataError } from '../../db/storable';
import { insertOutboxRows, type InsertedRows } from '../../destination/outbox';
import { outboxRowsForMemberships } from '../../cohort/outbox-rows';
import { MAX_COHORT_BODY_BYTES, parseCohortWebhookBody } from '../../cohort/webhook-payload';
import { QUOTA_REASON } from '../../delivery/quota';
import { syncIngestKeys, type SyncIngestDeps } from '../ingest-key-cache';
import { limitPerIp } from '../rate-limits';
import { readRequestBody } from '../request-body';

/** Where Amplitude's Cohort Webhooks destination posts (Catalog → Destinations → Cohorts → Webhook). */
export const COHORT_WEBHOOK_PATH = '/amplitude/cohorts';
const ROWS_PER_STATEMENT = 500;
/** The pause a sync over its storage quota asks for: delivery usually frees room within it. */
const QUOTA_RETRY_AFTER_SECONDS = 30;

/**
 * Amplitude's Cohort Webhooks destination: one POST per batch of users entering or leaving a cohort (or the
 * property-based identify shape). Amplitude wants a 200 within 1–2 s and retries on a timeout, so the batch is
 * stored (one membership row per user, deduplicated by message id and user) before the 200, and applied to the
 * Intercom tag later by the `intercom` lane's shards.
 *
 * Authorised by the cohort sync's ingest key in a custom header (`Authorization: Bearer <key>`, or `X-Ingest-Key`),
 * checked before the body is read; only its hash is stored. What a caller gets wrong is a 4xx and stores nothing:
 * no or unknown key 401, a body over 5 MB 413, anything but a valid payload 400 (naming what is wrong). Only our own
 * trouble (the database) is a 503 (Amplitude documents retries after timeouts; a resync repairs what is lost).
 */
export function cohortWebhookRoutes(deps: SyncIngestDeps): Router {
  const { services, doorbell, limits, bodyBudget, quota } = deps;
  const { db, metrics, logger } = services;
  const endpoint = 'cohort_webhook';
  const router = Router();
  const keys = syncIngestKeys(deps.connections.repository, 'intercom_cohort');

  const answer = (res: Response, outcome: string, status: number, body: Record<string, unknown>) => {
    metrics.ingest.inc({ endpoint, outcome });
    if (status >= 400 && status !== 503) res.set('connection', 'close');
    res.status(status).json(body);
  };

  router.post(COHORT_WEBHOOK_PATH, limitPerIp(limits.perIp), async (req, res) => {
    const header = req.get('authorization') ?? '';
    const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : req.get('x-ingest-key');
    const unauthorised = { code: 401, error: 'missing or invalid ingest key (Authorization: Bearer <ingest key>)' };
    if (!key) return answer(res, 'invalid_api_key', 401, unauthorised);
    let connection: Connection | undefined;
    try {
      connection = await keys.lookup(key);
    } catch (err) {
      logger.error({ err: { message: firstLine(err) } }, 'ingest key lookup failed');
      return answer(res, 'lookup_failed', 503, { code: 503, error: 'try again later' });
    }
    if (!connection) return answer(res, 'invalid_api_key', 401, unauthorised);
    const waitMs = await limits.perIngestKey.spend(connection.id);
    if (waitMs !== undefined) {
      res.set('retry-after', String(Math.ceil(waitMs / 1000)));
      return answer(res, 'rate_limited', 429, { code: 429, error: 'too many requests; retry later' });
    }
    if (quota.isOver(connection.id)) {
      // Nothing is stored. The batch is lost unless Amplitude resends it (it documents retries after a timeout
      // only); a resync restores the tag. The quota exists so that a sync nobody drains cannot fill the disk.
      res.set('retry-after', String(QUOTA_RETRY_AFTER_SECONDS));
      return answer(res, QUOTA_REASON, 429, { code: 429, error: 'this sync has too much waiting; retry later' });
    }

    const body = await readRequestBody(req, { limit: MAX_COHORT_BODY_BYTES, budget: bodyBudget });
    try {
      if (!body.ok) {
        if (body.reason === 'aborted' || res.headersSent) return;
        if (body.reason === 'too_large')
          return answer(res, 'rejected_413', 413, {
            code: 413,
            error: `body is larger than ${MAX_COHORT_BODY_BYTES} bytes`,
          });
        if (body.reason === 'busy') return answer(res, 'busy', 503, { code: 503, error: 'busy; try again later' });
        return answer(res, 'rejected_400', 400, { code: 400, error: 'the body could not be decoded' });
      }
      const parsed = parseCohortWebhookBody(body.bytes);
      if (!parsed.ok) return answer(res, 'rejected_400', 400, { code: 400, error: parsed.error });
      const receivedAt = new Date();
      const rows = outboxRowsForMemberships(connection.id, parsed, { receivedAt, requestId: randomUUID() });
      const connectionId = connection.id;
      let stored: InsertedRows;
      try {
        stored = await db.transaction(async (tx) => {
          const t = tx as unknown as Db;
          const all: InsertedRows = { inserted: 0, shards: [] };
          for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
            const part = await insertOutboxRows(t, rows.slice(start, start + ROWS_PER_STATEMENT));
            all.inserted += part.inserted;
            all.shards.push(...part.shards);
          }
          // Members that name nobody are counted only the first time their batch arrives.
          if (parsed.skipped.length > 0 && (all.inserted > 0 || rows.length === 0))
            await addCounters(t, connectionId, { 'skipped:missing_user_id': parsed.skipped.length });
          await recordLastBatch(t, connectionId, receivedAt.getTime());
          return all;
        });
      } catch (err) {
        if (isDataError(err))
          return answer(res, 'rejected_400', 400, { code: 400, error: 'the payload cannot be stored' });
        logger.error({ err: { message: firstLine(err) }, connectionId }, 'could not store a cohort batch');
        return answer(res, 'storage_error', 503, { code: 503, error: 'could not store the batch; try again' });
      }
      metrics.ingest.inc({ endpoint, outcome: 'accepted' }, stored.inserted);
      const duplicates = rows.length - stored.inserted;
      if (duplicates > 0) metrics.ingest.inc({ endpoint, outcome: 'duplicate' }, duplicates);
      for (const s of stored.shards) doorbell.stored('intercom', s.shard, s.claimable, s.connectionId);
      res.status(200).json({ code: 200, accepted: stored.inserted, duplicates, skipped: parsed.skipped.length });
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
