import { CONTEXT_KEYS, IDENTIFY_EVENT_TYPE } from './documented';
import { isObject } from './upload';

/**
 * Amplitude's user table, per project: user properties set by identifications, `$identify` events and
 * the plain user_properties of ordinary events. Operations (`$set`, `$add`, …) count only on `$identify`
 * events and identifications; on other events plain keys are set and `$` keys ignored. Plain keys beside
 * operations are set (Amplitude asks senders not to mix them). Order: `$clearAll` (voids the rest), then
 * set, setOnce, add, append, prepend, preInsert, postInsert, remove, unset.
 */
export interface UserUpdate {
  userId?: string;
  deviceId?: string;
  /** The raw user_properties sent. */
  userProperties: Record<string, unknown>;
  /** Device and location fields sent alongside (country, platform, paying, …). */
  context: Record<string, unknown>;
}

export function userUpdate(source: Record<string, unknown>): UserUpdate {
  return {
    ...(typeof source.user_id === 'string' && { userId: source.user_id }),
    ...(typeof source.device_id === 'string' && { deviceId: source.device_id }),
    userProperties: isObject(source.user_properties) ? source.user_properties : {},
    context: Object.fromEntries(
      CONTEXT_KEYS.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]),
    ),
  };
}

export class UserTable {
  private readonly tables = new Map<string, Map<string, Record<string, unknown>>>();

  /** Applies an update; `operations` is false for ordinary events (only plain keys are set). */
  apply(apiKey: string, update: UserUpdate, operations: boolean): void {
    const key = update.userId ? `user:${update.userId}` : `device:${update.deviceId}`;
    const table = this.tables.get(apiKey) ?? new Map<string, Record<string, unknown>>();
    this.tables.set(apiKey, table);
    table.set(key, applyProperties(table.get(key) ?? {}, update.userProperties, operations));
  }

  /** A user's (or, failing that, a device's) properties in the given or any project. */
  find(id: string, apiKey?: string): Record<string, unknown> | undefined {
    const tables = apiKey ? [this.tables.get(apiKey)] : [...this.tables.values()];
    for (const table of tables) {
      const found = table?.get(`user:${id}`) ?? table?.get(`device:${id}`);
      if (found) return found;
    }
    return undefined;
  }

  clear(): void {
    this.tables.clear();
  }
}

const ORDER = ['$set', '$setOnce', '$add', '$append', '$prepend', '$preInsert', '$postInsert', '$remove', '$unset'];

function applyProperties(
  current: Readonly<Record<string, unknown>>,
  sent: Record<string, unknown>,
  operations: boolean,
): Record<string, unknown> {
  const plain = Object.fromEntries(Object.entries(sent).filter(([key]) => !key.startsWith('$')));
  if (!operations) return { ...current, ...plain };
  if (sent.$clearAll !== undefined) return {};
  const next: Record<string, unknown> = { ...current, ...plain };
  for (const operation of ORDER) {
    const value = sent[operation];
    if (value === undefined) continue;
    if (operation === '$unset') {
      const keys = isObject(value) ? Object.keys(value) : Array.isArray(value) ? value : [value];
      for (const key of keys) if (typeof key === 'string') delete next[key];
      continue;
    }
    if (!isObject(value)) continue;
    for (const [key, given] of Object.entries(value)) {
      const list = asList(next[key]);
      switch (operation) {
        case '$set':
          next[key] = given;
          break;
        case '$setOnce':
          if (!(key in next)) next[key] = given;
          break;
        case '$add': {
          const amount = typeof given === 'number' || typeof given === 'string' ? Number(given) : NaN;
          if (given !== '' && Number.isFinite(amount)) next[key] = toNumber(next[key]) + amount;
          break;
        }
        case '$append':
          next[key] = [...list, ...asList(given)];
          break;
        case '$prepend':
          next[key] = [...asList(given), ...list];
          break;
        case '$preInsert':
          next[key] = [...asList(given).filter((item) => !contains(list, item)), ...list];
          break;
        case '$postInsert':
          next[key] = [...list, ...asList(given).filter((item) => !contains(list, item))];
          break;
        case '$remove':
          if (key in next) next[key] = list.filter((item) => !contains(asList(given), item));
          break;
      }
    }
  }
  return next;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function toNumber(value: unknown): number {
  const number = Number(value);
  return typeof value !== 'boolean' && value !== null && value !== '' && Number.isFinite(number) ? number : 0;
}

function contains(list: readonly unknown[], value: unknown): boolean {
  const text = JSON.stringify(value);
  return list.some((item) => item === value || JSON.stringify(item) === text);
}
