import type { IntercomNotification } from '../intercom/webhook-envelope';
import { normalizeIntercomEventName } from '../intercom/event-names';
import { dataEventPerson } from './data-event';
import { emailKey } from './identity';
import { textAt } from './item-fields';
import { parseIntercomTimeSeconds } from './time';
import { normalizeTopic } from './topics';

/**
 * What the destination records about each data event it writes to Intercom, in the same key
 * formats, so the source can recognise `event.created` webhooks that are echoes of our own writes.
 */
export interface EchoCandidate {
  /** Intercom's stored form of the name (lower-case, `.`/`$` → `-`). */
  eventName: string;
  /** Unix seconds, as sent to and echoed by Intercom. */
  createdAt: number;
  /** `external_id:<user id>` and/or `email:<lower-cased email>` (the destination's ledger keys). */
  userKeys: string[];
}

export function echoCandidate(notification: IntercomNotification): EchoCandidate | null {
  if (normalizeTopic(notification.topic) !== 'event.created') return null;
  const item = notification.data.item;
  const name = textAt(item, 'event_name');
  const createdAt = parseIntercomTimeSeconds(item.created_at);
  if (!name || createdAt === null) return null;
  const person = dataEventPerson(item);
  const userKeys = [
    person?.userId ? `external_id:${person.userId}` : undefined,
    person?.email ? `email:${emailKey(person.email)}` : undefined,
  ].filter((k): k is string => k !== undefined);
  return { eventName: normalizeIntercomEventName(name), createdAt, userKeys };
}
