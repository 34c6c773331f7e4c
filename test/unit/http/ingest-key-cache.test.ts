import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../../src/crypto/secrets';
import { IngestKeyCache } from '../../../src/http/ingest-key-cache';

describe('IngestKeyCache', () => {
  function setup() {
    let clock = 1_000_000; // lru-cache reads a start time of 0 as "no expiry"
    const lookups: string[] = [];
    const owner = { id: 'destination-1' };
    const cache = new IngestKeyCache(
      async (hash) => {
        lookups.push(hash);
        return hash === sha256Hex('the-real-key') ? owner : undefined;
      },
      { knownTtlMs: 2_000, unknownTtlMs: 2_000, maxKnown: 100, maxUnknown: 1_000, now: () => clock },
    );
    return { cache, lookups, owner, tick: (ms: number) => (clock += ms) };
  }

  it('keeps the keys in use through a spray of 100,000 random keys', async () => {
    const { cache, lookups, owner } = setup();
    expect(await cache.lookup('the-real-key')).toBe(owner);
    for (let i = 0; i < 100_000; i += 1) expect(await cache.lookup(randomBytes(12).toString('hex'))).toBeUndefined();
    const before = lookups.length;
    expect(await cache.lookup('the-real-key')).toBe(owner);
    expect(lookups.length).toBe(before); // still cached: no database lookup
  });

  it('remembers an unknown key briefly (one lookup for a repeated one), and known keys expire', async () => {
    const { cache, lookups, owner, tick } = setup();
    for (let i = 0; i < 5; i += 1) await cache.lookup('not-a-key');
    expect(lookups).toHaveLength(1);
    tick(2_001);
    await cache.lookup('not-a-key');
    expect(lookups).toHaveLength(2);
    await cache.lookup('the-real-key');
    tick(2_001);
    expect(await cache.lookup('the-real-key')).toBe(owner);
    expect(lookups).toHaveLength(4); // a rotated or disconnected key stops working within the TTL
  });

  it('does not cache a failed lookup', async () => {
    let fail = true;
    const cache = new IngestKeyCache(async () => {
      if (fail) throw new Error('database down');
      return { id: 'x' };
    });
    await expect(cache.lookup('k')).rejects.toThrow('database down');
    fail = false;
    expect(await cache.lookup('k')).toEqual({ id: 'x' });
  });
});
