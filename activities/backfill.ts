import { Context } from '@temporalio/activity';
import { ConnectionRepository } from '../src/connections/repository';
import type { Services } from '../src/runtime/services';
import { IntercomClient, type IntercomResult } from '../src/intercom/client';
import { toApplicationFailure } from '../src/outcomes';
import { WorkspaceRateBudget } from '../src/intercom/rate-budget';
import {
  contactFacts,
  conversationFacts,
  syntheticNotification,
  type Fact,
  type TimeWindow,
} from '../src/source/backfill-facts';
import { dedupeKeyFor } from '../src/source/dedupe-key';
import { insertInboxRows } from '../src/source/inbox';
import type { JsonObject } from '../src/source/item-fields';
import { signalShard } from '../src/temporal/shard-signal';

export type BackfillObject = 'contacts' | 'conversations';

export interface BackfillPageInput {
  connectionId: string;
  object: BackfillObject;
  /** ISO-8601 window on when facts happened; `until` is exclusive. */
  since: string;
  until: string;
  /** Where the previous call stopped (search cursor); absent on the first call. */
  cursor?: string;
}

export interface BackfillPageResult {
  cursor?: string;
  done: boolean;
  /** Objects read from Intercom, and facts stored as new inbox rows (the rest were already there). */
  scanned: number;
  imported: number;
}

const PER_PAGE = 150;
/** Each call pages for at most this long, then hands its cursor back to the workflow. */
const CALL_BUDGET_MS = 45_000;
const DAY = 86_400;

/**
 * Pages one kind of Intercom object through its search API and writes the facts found into the
 * source inbox, exactly as the live webhooks would have (same dedupe keys). The cursor is
 * heartbeated after every page, so an attempt that dies resumes where the last one stopped.
 */
export function createBackfillActivities(services: Services) {
  const { db, env, urls, logger } = services;
  const connections = new ConnectionRepository(db, services.secrets);

  return {
    async backfillPage(input: BackfillPageInput): Promise<BackfillPageResult> {
      const activity = Context.current();
      const resumed = (activity.info.heartbeatDetails as { cursor?: string } | undefined)?.cursor;
      let cursor = resumed ?? input.cursor;
      const window: TimeWindow = { since: Date.parse(input.since) / 1000, until: Date.parse(input.until) / 1000 };
      const connection = await connections.require(input.connectionId);
      const token = await connections.readSecret(input.connectionId, 'intercom_access_token');
      const workspaceId = connection.intercomWorkspaceId;
      if (!token || !workspaceId || connection.status === 'Disconnected') {
        throw toApplicationFailure({ kind: 'auth_revoked', message: 'the connection is not authorized with Intercom' });
      }
      const intercom = new IntercomClient({
        baseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
        version: env.INTERCOM_API_VERSION,
        budget: new WorkspaceRateBudget(db, workspaceId, {
          onWait: () => activity.heartbeat({ cursor }),
          metrics: services.metrics,
        }),
      });
      // Intercom's date search matches whole days in the workspace's timezone: ask for a day more on each
      // side and keep the exact window ourselves.
      const query = {
        operator: 'AND',
        value: [
          {
            field: input.object === 'contacts' ? 'created_at' : 'updated_at',
            operator: '>',
            value: Math.floor(window.since) - DAY,
          },
          ...(input.object === 'contacts'
            ? [{ field: 'created_at', operator: '<', value: Math.ceil(window.until) + DAY }]
            : []),
        ],
      };

      const started = Date.now();
      let scanned = 0;
      let imported = 0;
      const ring = async () => {
        if (connection.deliveryShard === null) return;
        await signalShard(activity.client, activity.info.taskQueue, 'amplitude', connection.deliveryShard);
      };
      for (;;) {
        const pagination = { per_page: PER_PAGE, ...(cursor ? { starting_after: cursor } : {}) };
        const facts: Fact[] = [];
        let next: string | undefined;
        if (input.object === 'contacts') {
          const page = okData(await intercom.searchContacts(token, query, pagination));
          for (const contact of page.data) facts.push(...contactFacts(contact as JsonObject, window));
          scanned += page.data.length;
          next = page.pages?.next?.starting_after ?? undefined;
        } else {
          const page = okData(await intercom.searchConversations(token, query, pagination));
          for (const summary of page.conversations) {
            const full = okData(await intercom.getConversation(token, String(summary.id)));
            facts.push(...conversationFacts(full, window));
            activity.heartbeat({ cursor });
          }
          scanned += page.conversations.length;
          next = page.pages?.next?.starting_after ?? undefined;
        }
        const stored = await insertInboxRows(
          db,
          facts.map((fact) => {
            const notification = syntheticNotification(workspaceId, fact);
            return {
              connectionId: input.connectionId,
              dedupeKey: dedupeKeyFor(notification),
              notificationId: null,
              topic: fact.topic,
              payload: notification,
              origin: 'backfill' as const,
            };
          }),
        );
        imported += stored;
        if (stored > 0) await ring();
        cursor = next;
        activity.heartbeat({ cursor });
        if (!next) return { done: true, scanned, imported };
        if (Date.now() - started > CALL_BUDGET_MS) {
          logger.debug(
            { connectionId: input.connectionId, object: input.object, scanned },
            'backfill call budget used; continuing',
          );
          return { cursor, done: false, scanned, imported };
        }
      }
    },
  };
}

/** A page's data; a failed call fails the attempt as its outcome says (src/outcomes.ts): retried, or stops the backfill. */
function okData<T>(result: IntercomResult<T>): T {
  if (result.ok) return result.data;
  throw toApplicationFailure(result.failure);
}
