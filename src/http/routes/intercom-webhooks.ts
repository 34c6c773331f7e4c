import express, { Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyWebhookSignature, SIGNATURE_HEADER } from '../../intercom/webhook-signature';
import { parseNotification } from '../../intercom/webhook-envelope';
import { dedupeKeyFor } from '../../source/dedupe-key';
import { InboxBusyError, InboxWriter, type StoredRow } from '../../source/inbox-writer';
import { isDataError, pathToNul } from '../../db/storable';
import { addCounters, ConnectionRepository } from '../../connections/repository';
import { QUOTA_REASON, type StorageQuota } from '../../delivery/quota';
import type { ConnectionsService } from '../../connections/service';
import type { Services } from '../../runtime/services';
import type { Doorbell } from '../../temporal/doorbell';
import { Throttle } from '../../util/throttle';

/**
 * Intercom's webhook endpoint, shared by every workspace that installed the app.
 *
 * Answers, each deliberate (Intercom: 5 s timeout, one retry for 4xx/5xx, 410 disables the
 * subscription, 429 throttles the whole subscription for up to 2 h, >1000 errors in 15 min pause it):
 *   HEAD                             → 200 (Intercom checks the URL when it is saved)
 *   bad or missing X-Hub-Signature   → 401, nothing stored (not from Intercom, or our secret is wrong)
 *   signed but not JSON / not an envelope → 400 with the reason, nothing stored
 *   signed but unstorable (U+0000 anywhere, or Postgres refuses the data) → 400, nothing stored:
 *                                      a 503 would only be retried into the same failure
 *   body over 1 MB                   → 413, nothing stored
 *   ping                             → 200, nothing stored
 *   created_at older than WEBHOOK_MAX_AGE → 200, nothing stored, counted `stale`: a replayed old
 *                                      notification whose dedupe row retention already pruned
 *   workspace with no live connection → 200, nothing stored, counted: errors here would pause
 *                                      delivery for every other workspace on the subscription
 *   a connection over its storage quota (CONNECTION_MAX_PENDING_ROWS) → 200, no row for it, counted
 *                                      dropped `quota` on it (other connections of the workspace store it)
 *   accepted                         → stored in Postgres (duplicates are no-ops), then 200
 *   storage unavailable, slow (WEBHOOK_STORE_TIMEOUT, under Intercom's 5 s) or the writer's
 *   queue full (WEBHOOK_QUEUE_LIMIT) → 503 at once, so Intercom's single retry has a chance
 * Never 410, never 429: there is no per-IP rate limit here (Intercom sends every workspace's
 * notifications from a few addresses); the signature is checked first, and cheaply, instead.
 */
export const WEBHOOK_PATH = '/intercom/webhooks';
const MAX_BODY_BYTES = 1_000_000;

export interface WebhookAnswer {
  status: number;
  body?: Record<string, unknown>;
}

/**
 * The receiver, free of any web framework: it is the hottest path of the service, so the API
 * serves it before Express (see createApp), and it is a plain function tests can call.
 */
export function createWebhookReceiver(deps: { services: Services; doorbell: Doorbell; quota: StorageQuota }) {
  const { services, doorbell, quota } = deps;
  const { db, metrics, logger } = services;
  const inbox = new InboxWriter(db, {
    maxQueued: services.env.WEBHOOK_QUEUE_LIMIT,
    timeoutMs: services.env.WEBHOOK_STORE_TIMEOUT,
  });
  const maxAgeMs = services.env.WEBHOOK_MAX_AGE ?? services.env.RETENTION_DAYS * 86_400_000;
  const repository = new ConnectionRepository(db, services.secrets);

  async function receive(body: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
    const secret = services.env.INTERCOM_CLIENT_SECRET;
    if (!secret || !verifyWebhookSignature(body, signature, secret)) {
      metrics.webhooks.inc({ outcome: 'unsigned' });
      return { status: 401, body: { error: 'missing or invalid X-Hub-Signature' } };
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      metrics.webhooks.inc({ outcome: 'malformed' });
      return { status: 400, body: { error: 'body is not valid JSON' } };
    }
    const parsed = parseNotification(json);
    if (!parsed.ok) {
      metrics.webhooks.inc({ outcome: 'malformed' });
      return { status: 400, body: { error: parsed.error } };
    }
    const notification = parsed.notification;
    if (notification.topic === 'ping') {
      metrics.webhooks.inc({ outcome: 'ping' });
      return { status: 200, body: { ok: true } };
    }
    const nulAt = pathToNul(json);
    if (nulAt) {
      metrics.webhooks.inc({ outcome: 'unstorable' });
      return { status: 400, body: { error: `invalid Intercom notification: ${nulAt} contains U+0000` } };
    }
    if (notification.created_at * 1000 < Date.now() - maxAgeMs) {
      // Older than anything we still remember: its dedupe row may be gone, so storing it could deliver it twice.
      metrics.webhooks.inc({ outcome: 'stale' });
      return { status: 200, body: { ok: true, stored: false, reason: 'stale' } };
    }

    const overQuota = quota.overForWorkspace(notification.app_id);
    let stored: StoredRow[];
    try {
      ({ stored } = await inbox.store({
        appId: notification.app_id,
        dedupeKey: dedupeKeyFor(notification),
        notificationId: notification.id,
        topic: notification.topic,
        body: body.toString('utf8'),
        excluded: overQuota,
      }));
    } catch (err) {
      if (isDataError(err)) {
        metrics.webhooks.inc({ outcome: 'unstorable' });
        logger.warn({ appId: notification.app_id, topic: notification.topic }, 'webhook refused by the database');
        return { status: 400, body: { error: 'invalid Intercom notification: the database refused its content' } };
      }
      const busy = err instanceof InboxBusyError;
      metrics.webhooks.inc({ outcome: busy ? 'busy' : 'storage_error' });
      // The driver's message can quote the statement's parameters (the payload): keep only the first line.
      const message = (err as Error).message?.split('\n')[0];
      logger.error({ err: { message }, appId: notification.app_id }, 'could not store webhook');
      return { status: 503, body: { error: 'temporarily unable to store the notification' } };
    }

    if (overQuota.length > 0) await countQuotaDrops(overQuota, notification.app_id);
    if (stored.length > 0) {
      metrics.webhooks.inc({ outcome: 'accepted' }, stored.length);
      for (const row of stored) doorbell.stored('amplitude', row.shard, row.claimable, row.connectionId);
    } else if (overQuota.length === 0) {
      // Rare: tell a duplicate from a workspace with no live connection, for the metric only (not awaited:
      // the answer does not depend on it).
      void repository
        .receivingSourcesForWorkspace(notification.app_id)
        .then((rows) => rows.length)
        .catch(() => 1)
        .then((known) => metrics.webhooks.inc({ outcome: known > 0 ? 'duplicate' : 'unknown_app' }));
    }
    return { status: 200, body: { ok: true } };
  }

  /**
   * Connections past their storage quota get no row: Intercom still hears 200 (an error would count against
   * the whole subscription), and each such connection counts the notification as dropped `quota`.
   */
  async function countQuotaDrops(connectionIds: string[], appId: string): Promise<void> {
    metrics.webhooks.inc({ outcome: QUOTA_REASON }, connectionIds.length);
    metrics.dropped.inc({ direction: 'source', reason: QUOTA_REASON }, connectionIds.length);
    try {
      for (const connectionId of connectionIds) await addCounters(db, connectionId, { [`dropped:${QUOTA_REASON}`]: 1 });
    } catch (err) {
      logger.warn({ appId, err: { message: (err as Error).message?.split('\n')[0] } }, 'could not count a quota drop');
    }
  }

  /** Node's own request handler for POST/HEAD on WEBHOOK_PATH. */
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const end = metrics.httpDuration.startTimer();
    const answer = ({ status, body }: WebhookAnswer) => {
      if (body) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      else res.writeHead(status).end();
      end({ route: WEBHOOK_PATH, status: `${Math.floor(status / 100)}xx` });
    };
    if (req.method === 'HEAD') return answer({ status: 200 });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        metrics.webhooks.inc({ outcome: 'too_large' });
        return answer({ status: 413, body: { error: 'body larger than 1 MB' } });
      }
      receive(Buffer.concat(chunks), req.headers[SIGNATURE_HEADER] as string | undefined).then(answer, (err) => {
        logger.error({ err: { message: (err as Error).message } }, 'webhook handling failed');
        answer({ status: 503, body: { error: 'temporarily unable to store the notification' } });
      });
    });
    req.on('error', () => res.destroy());
  }

  return { receive, handle };
}

/**
 * Intercom's uninstall notice: `{"app_id": "…"}`, unsigned, so anyone can send one. It is only a hint:
 * each connection's workflow checks its token against Intercom's /me (through the workspace's rate budget)
 * and disconnects only on a confirmed 401/403. Notices are relayed at most once per interval per workspace
 * (a later one is relayed when the interval ends, never dropped), so a flood of forged notices costs one
 * signal and one check per interval. Intercom expects no body.
 */
export const UNINSTALL_RELAY_INTERVAL_MS = 10_000;

export function intercomUninstallRoutes(deps: { connections: ConnectionsService }): Router {
  const relay = new Throttle((appId) => deps.connections.reportUninstall(appId), {
    windowMs: UNINSTALL_RELAY_INTERVAL_MS,
  });
  const router = Router();
  router.post('/intercom/uninstall', express.json({ limit: '16kb' }), (req, res) => {
    const appId = typeof req.body?.app_id === 'string' ? req.body.app_id : undefined;
    if (!appId) {
      res.status(400).json({ error: 'app_id is required' });
      return;
    }
    relay.trigger(appId);
    res.status(200).end();
  });
  return router;
}
