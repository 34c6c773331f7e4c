import { sql } from 'drizzle-orm';
import { queryRows } from '../src/db/client';
import type { Services } from '../src/runtime/services';
import { pruneIdentityMemory } from '../src/source/identity-memory';
import { pruneIdentifyHashes } from '../src/destination/identify-hashes';

export interface PruneResult {
  sourceRows: number;
  destinationRows: number;
  oauthStates: number;
  identityCache: number;
  sentEventLedger: number;
  identityMemory: number;
  identifyHashes: number;
}

export function createRetentionActivities({ db, env }: Pick<Services, 'db' | 'env'>) {
  async function count(query: ReturnType<typeof sql>): Promise<number> {
    const rows = await queryRows<{ n: number }>(
      db,
      sql`WITH deleted AS (${query} RETURNING 1) SELECT count(*)::int AS n FROM deleted`,
    );
    return rows[0]?.n ?? 0;
  }

  return {
    /** Deletes finished rows (delivered, dropped, skipped, expired) older than the retention age. Pending rows are never touched. */
    async pruneFinishedRows(input: { retentionDays: number }): Promise<PruneResult> {
      const cutoff = sql`now() - make_interval(days => ${input.retentionDays})`;
      return {
        sourceRows: await count(sql`DELETE FROM source_inbox WHERE status <> 'pending' AND done_at < ${cutoff}`),
        destinationRows: await count(
          sql`DELETE FROM destination_outbox WHERE status <> 'pending' AND done_at < ${cutoff}`,
        ),
        oauthStates: await count(sql`DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'`),
        identityCache: await count(sql`DELETE FROM identity_cache WHERE expires_at < now()`),
        sentEventLedger: await count(sql`DELETE FROM intercom_sent_events WHERE sent_at < ${cutoff}`),
        identityMemory: await pruneIdentityMemory(db, env.IDENTITY_MEMORY_MAX_PER_WORKSPACE),
        identifyHashes: await pruneIdentifyHashes(db),
      };
    },
  };
}
