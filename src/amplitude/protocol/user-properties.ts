import { DEVICE_FIELDS, isPlainObject, type AmplitudeEvent, type Identification } from './event';
import { IDENTIFY_EVENT_TYPE } from './limits';
import { setEntry } from '../../safe-object';

/**
 * One user-property change, whether it came as a `$identify` event on /2/httpapi (what the SDKs send) or
 * as an identification on /identify. Supported operations (https://amplitude.com/docs/apis/analytics/identify):
 * $set, $setOnce, $add, $append, $prepend, $preInsert, $postInsert, $remove, $unset, $clearAll. Other `$` keys are listed in
 * `ignoredOperations`. Plain keys beside operations are treated as $set: Amplitude asks senders not to mix
 * them, and setting is what a plain key means everywhere else.
 */
export interface UserPropertyUpdate {
  userId?: string;
  deviceId?: string;
  /** `$clearAll`: every property is removed and the other operations of this update are void. */
  clearAll: boolean;
  set: Record<string, unknown>;
  setOnce: Record<string, unknown>;
  add: Record<string, number>;
  append: Record<string, unknown>;
  prepend: Record<string, unknown>;
  preInsert: Record<string, unknown>;
  postInsert: Record<string, unknown>;
  remove: Record<string, unknown>;
  unset: string[];
  ignoredOperations: string[];
  groups?: Record<string, unknown>;
  /** Device and location fields sent alongside (platform, country, app_version, paying, …). */
  context: Record<string, unknown>;
}

const MAP_OPERATIONS = {
  $set: 'set',
  $setOnce: 'setOnce',
  $append: 'append',
  $prepend: 'prepend',
  $preInsert: 'preInsert',
  $postInsert: 'postInsert',
  $remove: 'remove',
} as const;

const CONTEXT_FIELDS = [...DEVICE_FIELDS, 'paying', 'start_version'] as const;

export function isIdentifyEvent(event: Pick<AmplitudeEvent, 'event_type'>): boolean {
  return event.event_type === IDENTIFY_EVENT_TYPE;
}

/**
 * Normalises an identification or an event. Operations count only on `$identify` events and identifications;
 * on any other event the plain user_properties are set and `$` keys are ignored, as Amplitude does.
 */
export function toUserPropertyUpdate(source: AmplitudeEvent | Identification): UserPropertyUpdate {
  const update: UserPropertyUpdate = {
    ...(typeof source.user_id === 'string' && { userId: source.user_id }),
    ...(typeof source.device_id === 'string' && { deviceId: source.device_id }),
    clearAll: false,
    set: {},
    setOnce: {},
    add: {},
    append: {},
    prepend: {},
    preInsert: {},
    postInsert: {},
    remove: {},
    unset: [],
    ignoredOperations: [],
    ...(isPlainObject(source.groups) && { groups: source.groups }),
    context: Object.fromEntries(CONTEXT_FIELDS.filter((f) => source[f] !== undefined).map((f) => [f, source[f]])),
  };
  const operationsApply = typeof source.event_type !== 'string' || source.event_type === IDENTIFY_EVENT_TYPE;
  const properties = isPlainObject(source.user_properties) ? source.user_properties : {};
  for (const [key, value] of Object.entries(properties)) {
    if (!key.startsWith('$')) setEntry(update.set, key, value);
    else if (!operationsApply) update.ignoredOperations.push(key);
    else applyOperation(update, key, value);
  }
  return update;
}

function applyOperation(update: UserPropertyUpdate, operation: string, value: unknown): void {
  if (operation === '$clearAll') {
    update.clearAll = true;
  } else if (operation === '$unset') {
    update.unset.push(...unsetKeys(value));
  } else if (operation === '$add' && isPlainObject(value)) {
    for (const [key, amount] of Object.entries(value)) {
      const number = typeof amount === 'string' ? Number(amount) : amount;
      if (typeof number === 'number' && Number.isFinite(number)) setEntry(update.add, key, number);
    }
  } else if (Object.hasOwn(MAP_OPERATIONS, operation) && isPlainObject(value)) {
    // Not Object.assign: it would run the `__proto__` setter for a key of that name.
    const target = update[MAP_OPERATIONS[operation as keyof typeof MAP_OPERATIONS]];
    for (const [key, inner] of Object.entries(value)) setEntry(target, key, inner);
  } else {
    update.ignoredOperations.push(operation);
  }
}

/** `$unset` takes `{key: "-"}` (documented); a key list or a single key name is accepted too. */
function unsetKeys(value: unknown): string[] {
  if (isPlainObject(value)) return Object.keys(value);
  if (Array.isArray(value)) return value.filter((key): key is string => typeof key === 'string');
  return typeof value === 'string' ? [value] : [];
}

/**
 * Applies an update to a user's current properties. Order: $clearAll (voids the rest), $set, $setOnce, $add,
 * $append, $prepend, $preInsert, $postInsert, $remove, $unset. List operations turn a scalar into a
 * one-element list; $add treats a missing or non-numeric value as 0.
 */
export function applyUserPropertyUpdate(
  current: Readonly<Record<string, unknown>>,
  update: UserPropertyUpdate,
): Record<string, unknown> {
  if (update.clearAll) return {};
  // Spread and defineValue create own properties whatever the key (`__proto__` included); reads use own().
  const next: Record<string, unknown> = { ...current, ...update.set };
  const own = (key: string) => (Object.hasOwn(next, key) ? next[key] : undefined);
  const put = (key: string, value: unknown) => setEntry(next, key, value);
  for (const [key, value] of Object.entries(update.setOnce)) if (!Object.hasOwn(next, key)) put(key, value);
  for (const [key, amount] of Object.entries(update.add)) put(key, toNumber(own(key)) + amount);
  for (const [key, value] of Object.entries(update.append)) put(key, [...asList(own(key)), ...asList(value)]);
  for (const [key, value] of Object.entries(update.prepend)) put(key, [...asList(value), ...asList(own(key))]);
  for (const [key, value] of Object.entries(update.preInsert)) {
    const list = asList(own(key));
    put(key, [...asList(value).filter((item) => !includesValue(list, item)), ...list]);
  }
  for (const [key, value] of Object.entries(update.postInsert)) {
    const list = asList(own(key));
    put(key, [...list, ...asList(value).filter((item) => !includesValue(list, item))]);
  }
  for (const [key, value] of Object.entries(update.remove)) {
    if (!Object.hasOwn(next, key)) continue;
    const removed = asList(value);
    put(
      key,
      asList(own(key)).filter((item) => !includesValue(removed, item)),
    );
  }
  for (const key of update.unset) delete next[key];
  return next;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function toNumber(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : 0;
}

function includesValue(list: readonly unknown[], value: unknown): boolean {
  const key = JSON.stringify(value);
  return list.some((item) => item === value || JSON.stringify(item) === key);
}
