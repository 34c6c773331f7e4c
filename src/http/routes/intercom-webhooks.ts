import express, { Router } from 'express';
import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { queryRows } from '../../db/client';
import { verifyWebhookSignature, SIGNATURE_HEADER } from '../../intercom/webhook-signature';
import { parseNotification } from '../../intercom/webhook-envelope';
import { dedupeKeyFor } from '../../source/dedupe-key';
import { InboxWriter, type StoredResult } from '../../source/inbox-writer';
import { SOURCE_RECEIVING_STATUSES } from '../../connections/repository';
import { workflowIdFor } from '../../connections/ids';
import type { Services } from '../../runtime/services';
import type { Doorbell } from '../../temporal/doorbell';
import { uninstallReportedSignal } from '../../../workflows/intercom-source';

/**
 * Intercom's webhook endpoint, shared by every workspace that installed the app.
 *
 * Answers, each deliberate (Intercom: 5 s timeout, one retry for 4xx/5xx, 410 disables the
 * subscription, 429 throttles the whole subscription for up to 2 h, >1000 errors in 15 min pause it):
 *   HEAD                             → 200 (Intercom checks the URL when it is saved)
 *   bad or missing X-Hub-Signature   → 401, nothing stored (not from Intercom, or our secret is wrong)
 *   signed but not JSON / not an envelope → 400 with the reason, nothing stored
 *   ping                             → 200, nothing stored
 *   workspace with no live connection → 200, nothing stored, counted: errors here would pause
 *                                      delivery for every other workspace on the subscription
 *   accepted                         → stored in Postgres (duplicates are no-ops), then 200
 *   storage unavailable              → 503 so Intercom's single retry has a chance
 * Never 410, never 429.
 */
export function intercomWebhookRoutes(deps: { services: Services; doorbell: Doorbell; temporal: Client }): Router {
  const { services, doorbell } = deps;
  const { db, metrics, logger } = services;
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '1mb' });
  const inbox = new InboxWriter(db);

  router.head('/intercom/webhooks', (_req, res) => {
    res.status(200).end();
  });

  router.post('/intercom/webhooks', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = services.env.INTERCOM_CLIENT_SECRET;
    if (!secret || !verifyWebhookSignature(body, req.get(SIGNATURE_HEADER), secret)) {
      metrics.webhooks.inc({ outcome: 'unsigned' });
      res.status(401).json({ error: 'missing or invalid X-Hub-Signature' });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      metrics.webhooks.inc({ outcome: 'malformed' });
      res.status(400).json({ error: 'body is not valid JSON' });
      return;
    }
    const parsed = parseNotification(json);
    if (!parsed.ok) {
      metrics.webhooks.inc({ outcome: 'malformed' });
      res.status(400).json({ error: parsed.error });
      return;
    }
    const notification = parsed.notification;
    if (notification.topic === 'ping') {
      metrics.webhooks.inc({ outcome: 'ping' });
      res.status(200).json({ ok: true });
      return;
    }

    let stored: StoredResult;
    try {
      stored = await inbox.store({
        appId: notification.app_id,
        dedupeKey: dedupeKeyFor(notification),
        notificationId: notification.id,
        topic: notification.topic,
        body: body.toString('utf8'),
      });
    } catch (err) {
      metrics.webhooks.inc({ outcome: 'storage_error' });
      logger.error({ err: { message: (err as Error).message }, appId: notification.app_id }, 'could not store webhook');
      res.status(503).json({ error: 'temporarily unable to store the notification' });
      return;
    }

    if (stored.connectionIds.length > 0) {
      metrics.webhooks.inc({ outcome: 'accepted' }, stored.connectionIds.length);
      for (const connectionId of stored.connectionIds) doorbell.ring(workflowIdFor(connectionId));
    } else {
      // Rare: tell a duplicate from a workspace with no live connection, for the metric only.
      const [known] = await queryRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM connections WHERE kind = 'intercom_source' AND intercom_workspace_id = ${notification.app_id}
              AND status IN (${sql.join(
                SOURCE_RECEIVING_STATUSES.map((s) => sql`${s}`),
                sql`, `,
              )})`,
      ).catch(() => [{ n: 1 }]);
      metrics.webhooks.inc({ outcome: (known?.n ?? 0) > 0 ? 'duplicate' : 'unknown_app' });
    }
    res.status(200).json({ ok: true });
  });

  /**
   * Intercom's uninstall notice: `{"app_id": "…"}`, unsigned. We do not trust it blindly: each
   * connection's workflow checks its token against /me before disconnecting. Intercom expects no body.
   */
  router.post('/intercom/uninstall', express.json({ limit: '16kb' }), async (req, res) => {
    const appId = typeof req.body?.app_id === 'string' ? req.body.app_id : undefined;
    if (!appId) {
      res.status(400).json({ error: 'app_id is required' });
      return;
    }
    const rows = await queryRows<{ id: string }>(
      db,
      sql`SELECT id FROM connections WHERE kind = 'intercom_source' AND intercom_workspace_id = ${appId} AND status <> 'Disconnected'`,
    );
    await Promise.all(
      rows.map((r) =>
        deps.temporal.workflow
          .getHandle(workflowIdFor(r.id))
          .signal(uninstallReportedSignal)
          .catch((err) =>
            logger.warn({ connectionId: r.id, err: { message: (err as Error).message } }, 'uninstall signal failed'),
          ),
      ),
    );
    res.status(200).end();
  });

  return router;
}
