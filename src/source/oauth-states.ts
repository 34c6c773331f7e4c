import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import { randomToken, sha256Hex } from '../crypto/secrets';

/**
 * OAuth `state` for the Intercom authorization flow: random, stored only as a SHA-256 hash,
 * bound to one connection, single use and short-lived.
 */
export const STATE_TTL_MINUTES = 10;

export async function createOAuthState(db: Db, connectionId: string): Promise<string> {
  const state = randomToken(32);
  await db.execute(sql`INSERT INTO oauth_states (state_hash, connection_id, expires_at)
                       VALUES (${sha256Hex(state)}, ${connectionId}, now() + make_interval(mins => ${STATE_TTL_MINUTES}))`);
  return state;
}

export type ConsumeStateResult =
  { ok: true; connectionId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Marks the state used, atomically, and returns its connection; a second use or a late one fails. */
export async function consumeOAuthState(db: Db, state: string): Promise<ConsumeStateResult> {
  const hash = sha256Hex(state);
  const [claimed] = await queryRows<{ connection_id: string }>(
    db,
    sql`UPDATE oauth_states SET used_at = now()
        WHERE state_hash = ${hash} AND used_at IS NULL AND expires_at > now()
        RETURNING connection_id`,
  );
  if (claimed) return { ok: true, connectionId: claimed.connection_id };
  const [row] = await queryRows<{ used: boolean }>(
    db,
    sql`SELECT used_at IS NOT NULL AS used FROM oauth_states WHERE state_hash = ${hash}`,
  );
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.used ? 'used' : 'expired' };
}

/** Voids every state of a connection not used yet (it was disconnected: they belong to its past). */
export async function revokeOAuthStates(db: Db, connectionId: string): Promise<void> {
  await db.execute(sql`DELETE FROM oauth_states WHERE connection_id = ${connectionId} AND used_at IS NULL`);
}

export function authorizeUrl(options: {
  oauthUrl: string;
  clientId: string;
  state: string;
  redirectUri: string;
}): string {
  const url = new URL(options.oauthUrl);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('state', options.state);
  url.searchParams.set('redirect_uri', options.redirectUri);
  return url.toString();
}
