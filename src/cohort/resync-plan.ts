import type { IntercomUserField } from '../destination/settings';
import { memberIntercomUser } from './member-identity';
import type { CohortMapping } from './settings';

/**
 * What a full resync must change so the cohort's tag holds exactly the given members. Pure.
 *
 * - `recorded`: who we tagged (our record, user id → contact id).
 * - `listed`: the contacts Intercom says carry the tag, by the mapped field's value (External ID or email), when
 *   Intercom could list them; they win over the record, since the tag may have drifted (edited in Intercom).
 *
 * A member is added when the tag does not hold them (as listed, else as recorded), and removed when the tag holds
 * someone not in the list. Tagged contacts we never recorded are named by their mapped value, which is the user id
 * as Amplitude sends it when the mapping reads the user id.
 */
export interface ResyncPlan {
  add: string[];
  remove: string[];
}

export function planResync(input: {
  desired: readonly string[];
  recorded: ReadonlyMap<string, string>;
  listed?: ReadonlyMap<string, string>;
  mapping: CohortMapping;
}): ResyncPlan {
  const { recorded, listed, mapping } = input;
  const desired = new Set(input.desired);
  const valueOf = (userId: string) => {
    const user = memberIntercomUser({ userId }, mapping);
    return 'error' in user ? undefined : user.value;
  };
  const add: string[] = [];
  const desiredValues = new Set<string>();
  for (const userId of desired) {
    const value = valueOf(userId);
    if (value !== undefined) desiredValues.add(value);
    const held = listed ? value !== undefined && listed.has(value) : recorded.has(userId);
    if (!held) add.push(userId);
  }
  const remove = new Set<string>();
  for (const userId of recorded.keys()) if (!desired.has(userId)) remove.add(userId);
  if (listed && mapping.from.kind === 'user_id') {
    const recordedValues = new Set([...recorded.keys()].map(valueOf));
    for (const value of listed.keys()) if (!desiredValues.has(value) && !recordedValues.has(value)) remove.add(value);
  }
  return { add, remove: [...remove] };
}

/** The mapped field's value of a contact Intercom listed (how planResync keys `listed`). */
export function listedValue(
  contact: { external_id?: string | null; email?: string | null },
  field: IntercomUserField,
): string | undefined {
  const raw = field === 'external_id' ? contact.external_id : contact.email?.trim().toLowerCase();
  return raw ? raw : undefined;
}
