/**
 * Copying objects whose keys come from senders (event and user properties, Intercom payloads, settings):
 * `target[key] = value` with the key `__proto__` runs the prototype setter and changes what every later
 * read of a missing key finds. These helpers always create an own property instead.
 */

/**
 * Adds an entry even when the key is `__proto__`, which plain assignment would treat as the prototype.
 * Only that key takes `defineProperty`: defining every key that way turns objects into slow dictionaries,
 * which made the transform several times slower on the delivery hot path.
 */
export function setEntry<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
