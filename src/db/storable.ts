import { createHash } from 'node:crypto';

/**
 * What Postgres can store and index, checked before we acknowledge anything: a value it refuses would
 * fail every retry the same way, so it must be refused with a 4xx, never answered with a 503 the sender
 * retries forever.
 */

/** Where a string (value or key) holds U+0000, which Postgres `text` cannot store and `json` cannot extract. */
export function pathToNul(value: unknown): string | undefined {
  // The common answer (none) is found without building a path per value: a large document would
  // otherwise leave millions of path strings behind for the garbage collector.
  return containsNul(value) ? locateNul(value, '') : undefined;
}

function containsNul(value: unknown): boolean {
  // Iterative, so a deep document cannot overflow the stack.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true;
    } else if (Array.isArray(current)) {
      for (const item of current)
        if (typeof item === 'string' || (typeof item === 'object' && item !== null)) stack.push(item);
    } else if (typeof current === 'object' && current !== null) {
      for (const key of Object.keys(current)) {
        if (key.includes('\u0000')) return true;
        const item = (current as Record<string, unknown>)[key];
        if (typeof item === 'string' || (typeof item === 'object' && item !== null)) stack.push(item);
      }
    }
  }
  return false;
}

/** The path of the first U+0000 (only called when there is one). */
function locateNul(value: unknown, path: string): string | undefined {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length > 0) {
    const [current, at] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return at || '(value)';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = at ? `${at}.${key}` : key;
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
