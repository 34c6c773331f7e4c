import { contactRole } from './contact';
import { personFrom, type PersonRef } from './identity';
import { field, objectAt, textAt, type JsonObject } from './item-fields';
import { intercomTimeToIso } from './time';

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
