import { parseIntercomTime } from './time';

/**
 * Total readers for untyped Intercom items. Item shapes differ by topic and API version and
 * Intercom adds fields freely, so we read defensively instead of validating whole items.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function field(obj: JsonObject | undefined, ...path: string[]): unknown {
  let current: unknown = obj;
  for (const key of path) {
    const o = asObject(current);
    if (!o) return undefined;
    current = o[key];
  }
  return current;
}

export function objectAt(obj: JsonObject | undefined, ...path: string[]): JsonObject | undefined {
  return asObject(field(obj, ...path));
}

/** Non-empty trimmed text; Intercom ids are sometimes numbers (e.g. `admin_assignee_id`). */
export function textAt(obj: JsonObject | undefined, ...path: string[]): string | undefined {
  const value = field(obj, ...path);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function booleanAt(obj: JsonObject | undefined, ...path: string[]): boolean | undefined {
  const value = field(obj, ...path);
  return typeof value === 'boolean' ? value : undefined;
}

export function numberAt(obj: JsonObject | undefined, ...path: string[]): number | undefined {
  const value = field(obj, ...path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function objectsAt(obj: JsonObject | undefined, ...path: string[]): JsonObject[] {
  const value = field(obj, ...path);
  return Array.isArray(value) ? value.map(asObject).filter((o): o is JsonObject => o !== undefined) : [];
}

/**
 * Intercom lists come as `{type:'tag.list', tags:[…]}` (1.x), `{type:'list', data:[…]}` (2.x),
 * or a bare array; this returns the entries whichever form is used.
 */
export function listEntries(value: unknown, legacyKey: string): JsonObject[] {
  if (Array.isArray(value)) return objectsAt({ value }, 'value');
  const list = asObject(value);
  if (!list) return [];
  return Array.isArray(list[legacyKey]) ? objectsAt(list, legacyKey) : objectsAt(list, 'data');
}

/**
 * The most recent part of a conversation: latest `created_at`, later list position breaking ties
 * (Intercom lists parts oldest first). Webhook payloads carry just the parts the notification is
 * about, so this is the part that triggered it.
 */
export function newestConversationPart(conversation: JsonObject): JsonObject | undefined {
  const parts = listEntries(field(conversation, 'conversation_parts'), 'conversation_parts');
  let newest: JsonObject | undefined;
  let newestAt = -Infinity;
  for (const part of parts) {
    const at = parseIntercomTime(part.created_at) ?? -Infinity;
    if (newest === undefined || at >= newestAt) {
      newest = part;
      newestAt = at;
    }
  }
  return newest;
}
