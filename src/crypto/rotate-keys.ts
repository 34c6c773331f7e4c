import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/client';
import type { SecretBox } from './secrets';

export interface RotationResult {
  /** Credentials re-sealed under the current key now. */
  resealed: number;
  /** Already under the current key. */
  current: number;
  /** Credentials no configured key opens (their key is missing from ENCRYPTION_KEYS): left as they are. */
  unreadable: { connectionId: string; kind: string }[];
}

/**
 * Re-seals every credential under the current ENCRYPTION_KEY, opening each with whichever known key
 * sealed it (ENCRYPTION_KEYS). Safe to run while the service runs and to run again: each row is
 * replaced only if it still holds what was read (a token refreshed meanwhile is already current).
 * Once it reports nothing unreadable, old keys can leave ENCRYPTION_KEYS.
 */
export async function rotateCredentials(db: Db, secrets: SecretBox): Promise<RotationResult> {
  const rows = await queryRows<{ connection_id: string; kind: string; sealed: string }>(
    db,
    sql`SELECT connection_id, kind, sealed FROM credentials ORDER BY connection_id, kind`,
  );
  const result: RotationResult = { resealed: 0, current: 0, unreadable: [] };
  for (const row of rows) {
    if (!secrets.isStale(row.sealed)) {
      result.current += 1;
      continue;
    }
    const context = `${row.connection_id}:${row.kind}`;
    let plaintext: string;
    try {
      plaintext = secrets.open(row.sealed, context);
    } catch {
      result.unreadable.push({ connectionId: row.connection_id, kind: row.kind });
      continue;
    }
    const updated = await queryRows<{ kind: string }>(
      db,
      sql`UPDATE credentials SET sealed = ${secrets.seal(plaintext, context)}
          WHERE connection_id = ${row.connection_id} AND kind = ${row.kind} AND sealed = ${row.sealed}
          RETURNING kind`,
    );
    if (updated.length > 0) result.resealed += 1;
    else result.current += 1; // replaced meanwhile, under the current key
  }
  return result;
}
