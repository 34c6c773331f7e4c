import { contactRole, personFrom, type PersonRef } from './identity';
import { field, objectAt, textAt, type JsonObject } from './item-fields';
import { joinKey } from './key-parts';
import { intercomTimeToIso, parseIntercomTimeSeconds } from './time';

/**
 * Tag items: `contact_tag` = {tag{id,name}, contact{…}, created_at?} and 1.x `user_tag` =
 * {tag, user{…}, created_at, admin}. The person is the tagged contact/user.
 */
export function taggedPersonObject(item: JsonObject): JsonObject | undefined {
  return objectAt(item, 'contact') ?? objectAt(item, 'user');
}

export function tagPerson(item: JsonObject): PersonRef | undefined {
  return personFrom(taggedPersonObject(item));
}

export function tagProperties(item: JsonObject): Record<string, unknown> {
  const person = taggedPersonObject(item);
  return {
    tag_id: textAt(item, 'tag', 'id'),
    tag_name: textAt(item, 'tag', 'name'),
    contact_id: textAt(person, 'id'),
    contact_role: contactRole(person),
    tagged_at: intercomTimeToIso(field(item, 'created_at')),
    tagged_by_admin_id: textAt(item, 'admin', 'id'),
  };
}

/**
 * `T:<tagged contact id>:<tag id>`: the contact's Intercom id, not its external_id, since leads
 * may have none. A re-tag after an untag is the same key as the first tag: neither the 2.x
 * payload nor the REST API says when a tag was applied, so there is nothing to tell them apart by.
 */
export function tagDedupeKey(topic: string, item: JsonObject): string | null {
  return joinKey(topic, textAt(taggedPersonObject(item), 'id'), textAt(item, 'tag', 'id'));
}

/** The item's created_at (1.x only; 2.x tag items carry no time). */
export function tagFactTime(_topic: string, item: JsonObject): number | null {
  return parseIntercomTimeSeconds(item.created_at);
}
