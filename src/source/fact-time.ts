import { conversationView } from './conversation';
import { field, type JsonObject } from './item-fields';
import { parseIntercomTimeSeconds } from './time';
import { normalizeTopic, topicGroup } from './topics';

/**
 * When the fact behind `topic` + `item` happened, in Unix seconds, read from the item itself.
 * A live notification's `created_at` is (about) this moment; backfill has no notification, so it
 * stamps its synthetic envelope with this value to give backfilled events their true time.
 * Null when the item does not say (e.g. 2.x tag items, minimal `*.deleted` payloads).
 */
export function factTimeSeconds(topic: string, item: JsonObject): number | null {
  const t = normalizeTopic(topic);
  switch (topicGroup(t)) {
    case 'contact':
    case 'user':
    case 'visitor':
      if (t.endsWith('.created')) return parseIntercomTimeSeconds(item.created_at);
      if (t.endsWith('.signed_up')) return parseIntercomTimeSeconds(item.signed_up_at ?? item.updated_at);
      return parseIntercomTimeSeconds(item.updated_at);
    case 'contact_tag':
    case 'user_tag':
    case 'event':
      return parseIntercomTimeSeconds(item.created_at);
    case 'conversation': {
      const view = conversationView(item);
      if (t.endsWith('.created')) return parseIntercomTimeSeconds(view.conversation.created_at);
      if (t === 'conversation.rating.added') {
        return parseIntercomTimeSeconds(field(view.conversation, 'conversation_rating', 'created_at'));
      }
      return parseIntercomTimeSeconds(view.newestPart?.created_at ?? view.conversation.updated_at);
    }
    case 'unsupported':
      return null;
  }
}
