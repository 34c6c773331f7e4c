import { Context } from '@temporalio/activity';
import { ConnectionRepository, addCounters } from '../src/connections/repository';
import type { Services } from '../src/runtime/services';
import { IntercomClient, type IntercomContact } from '../src/intercom/client';
import { WorkspaceRateBudget } from '../src/intercom/rate-budget';
import { toApplicationFailure } from '../src/outcomes';
import { settleAllPending } from '../src/delivery/queue';
import { laneOf } from '../src/delivery/shards';
import { insertOutboxRows } from '../src/destination/outbox';
import { CohortRecord } from '../src/cohort/record';
import { loadResync, markResyncApplied } from '../src/cohort/resyncs';
import { listedValue, planResync } from '../src/cohort/resync-plan';
import { outboxRowsForMemberships } from '../src/cohort/outbox-rows';
import type { CohortSettings } from '../src/cohort/settings';
import type { MembershipChange } from '../src/cohort/webhook-payload';
import { signalShard } from '../src/temporal/shard-signal';

/** Contacts per page of a tag's listing (Intercom's search allows 150). */
const LISTING_PAGE = 150;
/** Rows per insert statement of a resync. */
const ROWS_PER_STATEMENT = 500;

/**
 * What a cohort sync's workflow does besides waiting: apply a resync, and take the sync apart. Idempotent: a
 * resync's rows are keyed by its id (a second run inserts nothing new), and deleting a deleted tag is done.
 */
export function createCohortActivities(services: Services) {
  const { db, env, logger, urls } = services;
  const connections = new ConnectionRepository(db, services.secrets);

  async function intercomOf(connectionId: string) {
    const connection = await connections.require(connectionId);
    const token = await connections.readSecret(connectionId, 'intercom_access_token');
    const client = new IntercomClient({
      baseUrl: urls.intercomApi(connection.intercomRegion ?? 'US'),
      version: env.INTERCOM_API_VERSION,
      budget: connection.intercomWorkspaceId
        ? new WorkspaceRateBudget(db, connection.intercomWorkspaceId, { metrics: services.metrics })
        : undefined,
    });
    return { connection, token, client };
  }

  /**
   * The contacts carrying a tag, by their mapped value (contact search on `tag_id`, through the rate budget), or
   * undefined when Intercom refuses the listing: the resync then compares with our record alone.
   */
  async function listTag(
    client: IntercomClient,
    token: string,
    tagId: string,
    field: 'external_id' | 'email',
  ): Promise<Map<string, string> | undefined> {
    const listed = new Map<string, string>();
    let startingAfter: string | undefined;
    for (;;) {
      const page = await client.searchContacts(
        token,
        { field: 'tag_id', operator: '=', value: tagId },
        { per_page: LISTING_PAGE, ...(startingAfter ? { starting_after: startingAfter } : {}) },
      );
      if (!page.ok) {
        if (page.failure.kind === 'retry_after' || page.failure.kind === 'auth_revoked')
          throw toApplicationFailure(page.failure);
        logger.warn(
          { tagId, err: { message: page.failure.message } },
          'Intercom did not list the tag; using our record',
        );
        return undefined;
      }
      for (const contact of page.data.data as IntercomContact[]) {
        const value = listedValue(contact, field);
        if (value !== undefined) listed.set(value, contact.id);
      }
      startingAfter = page.data.pages?.next?.starting_after ?? undefined;
      if (!startingAfter || page.data.data.length === 0) return listed;
      Context.current().heartbeat(listed.size);
    }
  }

  return {
    /**
     * Turns a stored member list into the membership rows that converge the cohort's tag to it (additions of
     * who is missing, removals of who should not be there) and rings the sync's shard. Compares with Intercom's
     * listing of the tag where it answers, else with our record.
     */
    async applyCohortResync(input: {
      connectionId: string;
      resyncId: string;
    }): Promise<{ added: number; removed: number; listedInIntercom: boolean }> {
      const resync = await loadResync(db, input.resyncId);
      if (!resync || resync.connectionId !== input.connectionId || resync.appliedAt)
        return { added: 0, removed: 0, listedInIntercom: false };
      const { connection, token, client } = await intercomOf(input.connectionId);
      const settings = connection.settings as unknown as CohortSettings;
      const record = new CohortRecord(db, input.connectionId);
      const [recorded, tag] = await Promise.all([record.members(resync.cohortId), record.tag(resync.cohortId)]);
      // Listed contacts are known by their mapped field; only a mapping from the user id names them as users.
      const listed =
        tag && token && settings.mapping.from.kind === 'user_id'
          ? await listTag(client, token, tag.tagId, settings.mapping.intercomUser)
          : undefined;
      const plan = planResync({ desired: resync.userIds, recorded, listed, mapping: settings.mapping });
      const computedTime = Math.floor(Date.now() / 1000);
      const change = (userId: string, inCohort: boolean): MembershipChange => ({
        cohortId: resync.cohortId,
        cohortName: resync.cohortName,
        userId,
        inCohort,
        messageId: `resync:${resync.id}`,
        computedTime,
      });
      const rows = outboxRowsForMemberships(
        input.connectionId,
        {
          format: 'cohort_webhook',
          changes: [...plan.remove.map((u) => change(u, false)), ...plan.add.map((u) => change(u, true))],
          skipped: [],
        },
        { receivedAt: new Date(), requestId: resync.id },
      );
      await db.transaction(async (tx) => {
        for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
          await insertOutboxRows(tx as unknown as typeof db, rows.slice(start, start + ROWS_PER_STATEMENT));
          Context.current().heartbeat({ stored: start });
        }
        await markResyncApplied(tx as unknown as typeof db, resync.id);
      });
      if (rows.length > 0 && connection.deliveryShard !== null) {
        const activity = Context.current();
        await signalShard(activity.client, activity.info.taskQueue, laneOf(connection.kind), connection.deliveryShard);
      }
      return { added: plan.add.length, removed: plan.remove.length, listedInIntercom: listed !== undefined };
    },

    /**
     * Takes a cohort sync apart: deletes its tags from Intercom when asked (each deletion through the rate budget;
     * one already gone is done), forgets its token and ingest key, and records what was queued as skipped.
     */
    async disconnectCohortSync(input: { connectionId: string; removeTag: boolean }): Promise<{ tagsRemoved: number }> {
      const { token, client } = await intercomOf(input.connectionId);
      const record = new CohortRecord(db, input.connectionId);
      let tagsRemoved = 0;
      if (input.removeTag && token) {
        for (const tag of await record.tags()) {
          const deleted = await client.deleteTag(token, tag.tagId);
          if (deleted.ok || deleted.failure.kind === 'not_found') {
            await record.forgetTag(tag.cohortId);
            tagsRemoved += 1;
          } else if (deleted.failure.kind === 'retry_after') throw toApplicationFailure(deleted.failure);
          else
            logger.warn(
              { connectionId: input.connectionId, tagId: tag.tagId, err: { message: deleted.failure.message } },
              'could not delete the tag; it stays in Intercom',
            );
        }
      }
      await connections.update(input.connectionId, { ingestKeyHash: null });
      await connections.deleteSecret(input.connectionId, 'intercom_access_token');
      const skipped = await settleAllPending(db, 'destination_outbox', input.connectionId, 'skipped', 'disconnected');
      if (skipped > 0) await addCounters(db, input.connectionId, { 'skipped:disconnected': skipped });
      return { tagsRemoved };
    },
  };
}
