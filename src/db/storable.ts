import { createHash } from 'node:crypto';

/**
 * What Postgres can store and index, checked before we acknowledge anything: a value it refuses would
 * fail every retry the same way, so it must be refused with a 4xx, never answered with a 503 the sender
 * retries forever.
 */

/** Where a string (value or key) holds U+0000, which Postgres `text` cannot store and `json` cannot extract. */
export function pathToNul(value: unknown, maxNodes = 5_000_000): string | undefined {
  // Iterative, so a deep document cannot overflow the stack; bounded, so it cannot spin forever.
  const stack: [unknown, string][] = [[value, '']];
  for (let visited = 0; stack.length > 0 && visited < maxNodes; visited += 1) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return path || '(value)';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return childPath.replace(/\u0000/g, '\\u0000');
      stack.push([child, childPath]);
    }
  }
  return undefined;
}

/**
 * A btree entry holds at most ~2.7 kB, so an indexed text column must stay well below that whatever the
 * input. Keys longer than this many UTF-8 bytes are stored as a hash of themselves: equality (all these
 * keys are used for) is kept, and a valid 1,024-character id of 4-byte characters still fits.
 */
export const MAX_INDEXED_KEY_BYTES = 512;

export function boundedKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_INDEXED_KEY_BYTES) return key;
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Errors that come from the data, not from an outage: Postgres SQLSTATE class 22 (data exception, e.g.
 * an invalid byte sequence or a timestamp out of range) and 54 (program limit exceeded, e.g. an index
 * row too large). The same input fails the same way on every retry.
 */
export function isDataError(err: unknown): boolean {
  // drizzle wraps the driver's error (DrizzleQueryError), keeping it as the cause.
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth += 1) {
    if (typeof e.code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
