import { createHash } from 'node:crypto';
import { stringify as stableJson } from 'safe-stable-stringify';
import { boundedKey } from '../db/storable';
import type { IntercomNotification } from '../intercom/webhook-envelope';
import { dedupeKeyForFact } from './topic-groups';

export { dedupeKeyForFact } from './topic-groups';

/**
 * Dedupe keys name the underlying *fact*, not the delivery, so that a redelivered notification
 * and a later historical backfill of the same fact collapse into one inbox row and one Amplitude
 * insert_id. Each topic group's rule is in its record of the topic table (topic-groups.ts); `T`
 * there is the normalised (2.x) topic, so legacy and 2.x deliveries match too, whatever the
 * connection's event naming. Times are whole Unix seconds, so ISO webhook values equal REST integers.
 * Ids are Intercom's own (`id`), which the REST API returns too.
 *
 * A topic outside the table, or a fact missing what its rule needs, falls back to
 * `notification:<notification id>`, else `content:<sha256 of topic, created_at, item>`.
 */
export function dedupeKeyFor(notification: IntercomNotification): string {
  // Keys are indexed (source_inbox_dedupe_uq): a long one (names, emails, ids are the workspace's data) is
  // kept as its hash, the same for the live copy and the backfilled one.
  const natural = dedupeKeyForFact(notification.topic, notification.data.item);
  if (natural) return boundedKey(natural);
  if (notification.id) return boundedKey(`notification:${notification.id}`);
  const content = { topic: notification.topic, created_at: notification.created_at, item: notification.data.item };
  return `content:${createHash('sha256').update(stableJson(content)).digest('hex')}`;
}

/** A stable Amplitude insert_id: same key, same id, on every retry and every replay. */
export function insertIdFor(dedupeKey: string): string {
  return `intercom-${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}`;
}
