import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/db/client';
import { CLAIMABLE_DELIVERY_STATES, isClaimable, StatusWaits } from '../../src/connections/repository';
import { connections } from '../../src/db/schema';
import { usePrivateDatabase } from '../support/database';

describe('connection repository', () => {
  const database = usePrivateDatabase({ max: 2 });

  const insert = (ids: string[]) =>
    database.db.execute(
      sql`INSERT INTO connections (id, kind, name, status)
          SELECT id, 'intercom_source', id, 'Authorizing' FROM unnest(${`{${ids.join(',')}}`}::text[]) AS id`,
    );
  const setStatus = (ids: string[], status: string) =>
    database.db.execute(sql`UPDATE connections SET status = ${status} WHERE id = ANY(${`{${ids.join(',')}}`}::text[])`);
  /** The database, counting the queries StatusWaits makes. */
  const counted = () => {
    const counter = { queries: 0, db: undefined as unknown as Db };
    counter.db = new Proxy(database.db, {
      get(target, key, receiver) {
        if (key === 'select') counter.queries++;
        return Reflect.get(target, key, receiver);
      },
    });
    return counter;
  };

  // OAuth callbacks wait for their workflow's next status; a thousand of them must not poll a thousand times.
  it('settles every wait when its status arrives, with one query per look for all of them', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `waits-${i}`);
    await insert(ids);
    const counter = counted();
    const waits = new StatusWaits(counter.db, 20);
    const settled = ids.map((id) => waits.wait(id, (status) => status !== 'Authorizing', 10_000));
    await new Promise((r) => setTimeout(r, 300)); // ~15 looks while nothing changes
    await setStatus(ids.slice(0, 20), 'Listening');
    await new Promise((r) => setTimeout(r, 100));
    await setStatus(ids.slice(20), 'Configuring');
    expect(await Promise.all(settled)).toEqual([...Array(20).fill('Listening'), ...Array(20).fill('Configuring')]);
    // One query per look (~20 looks in 400 ms), where a poll per wait would have made ~800.
    expect(counter.queries).toBeGreaterThan(5);
    expect(counter.queries).toBeLessThan(60);
  });

  it('answers with the last status seen once the wait times out', async () => {
    await insert(['waits-slow']);
    const waits = new StatusWaits(database.db, 20);
    const started = Date.now();
    expect(await waits.wait('waits-slow', (status) => status === 'Connected', 200)).toBe('Authorizing');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('keeps waiting through failed looks and answers at the deadline instead of failing its caller', async () => {
    let looks = 0;
    const failing = {
      select: () => ({
        from: () => ({
          where: () => {
            looks++;
            return Promise.reject(new Error('connection refused'));
          },
        }),
      }),
    } as unknown as Db;
    const waits = new StatusWaits(failing, 20);
    await expect(waits.wait('any', () => true, 150)).resolves.toBeUndefined();
    expect(looks).toBeGreaterThan(2);
  });

  it('answers at its deadline while a look hangs on a stalled Postgres, and looks again once it returns', async () => {
    await insert(['waits-stalled']);
    const waits = new StatusWaits(database.db, 20);
    // Another session holds the table: the look's SELECT waits for the lock, as on a stalled server.
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = database.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE connections IN ACCESS EXCLUSIVE MODE`);
      locked();
      await new Promise((r) => setTimeout(r, 2_000));
    });
    await isLocked;
    const started = Date.now();
    expect(await waits.wait('waits-stalled', (status) => status === 'Connected', 300)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000); // not the 2 s the look hung
    await holder;
    await setStatus(['waits-stalled'], 'Connected');
    expect(await waits.wait('waits-stalled', (status) => status === 'Connected', 2_000)).toBe('Connected');
  });

  it('spells "claimable" once: the SQL test and the list agree on every delivery state', async () => {
    const states = connections.deliveryState.enumValues;
    const rows = await queryRows<{ state: string; claimable: boolean }>(
      database.db,
      sql`SELECT state, ${isClaimable(sql`state`)} AS claimable FROM unnest(${`{${states.join(',')}}`}::text[]) AS state`,
    );
    expect(rows.filter((r) => r.claimable).map((r) => r.state)).toEqual([...CLAIMABLE_DELIVERY_STATES]);
    expect(CLAIMABLE_DELIVERY_STATES).not.toContain('held');
  });
});
