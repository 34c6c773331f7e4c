import type { Db } from '../db/client';
import { isDataError } from '../db/storable';
import { insertOutboxRows, type NewOutboxRow } from './outbox';

class Rollback extends Error {}

/**
 * The rows of a batch Postgres refuses for their content (a data error), found by trying each one in a
 * savepoint of a transaction that is then rolled back: nothing is stored. The edge checks should leave
 * nothing for this to find; it is the safety net that turns a surprise into Amplitude's 400 naming the
 * events, instead of a 503 the sender would retry forever. Costs a round trip per row, on this rare path only.
 */
export async function findUnstorableRows(db: Db, rows: readonly NewOutboxRow[]): Promise<number[]> {
  const refused: number[] = [];
  try {
    await db.transaction(async (tx) => {
      for (const [index, row] of rows.entries()) {
        try {
          await tx.transaction(async (savepoint) => {
            await insertOutboxRows(savepoint as unknown as Db, [row]);
            throw new Rollback();
          });
        } catch (err) {
          if (err instanceof Rollback) continue;
          if (!isDataError(err)) throw err;
          refused.push(index);
        }
      }
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return refused;
}
