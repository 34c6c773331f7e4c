import { isInvalidIdValue } from '../amplitude/protocol/limits';
import { matchableEmail, type IdentityResult } from '../destination/intercom-user';
import { ownValue } from '../destination/values';
import type { CohortMapping } from './settings';
import type { MembershipChange } from './webhook-payload';

/**
 * The Intercom contact a cohort member is, by the sync's mapping: External ID or Email, from the Amplitude user id
 * or a user property the cohort webhook carried along. No fallback to another field, as for the destination: a
 * contact found by the wrong key would be tagged for someone else. Pure.
 */
export function memberIntercomUser(
  change: Pick<MembershipChange, 'userId' | 'userProperties'>,
  mapping: CohortMapping,
): IdentityResult {
  const raw = mapping.from.kind === 'user_id' ? change.userId : ownValue(change.userProperties, mapping.from.name);
  const value =
    typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  if (value === undefined || value === '' || isInvalidIdValue(value)) return { error: 'missing_identity' };
  if (mapping.intercomUser === 'external_id') return { field: 'external_id', value };
  const email = matchableEmail(value);
  return email === undefined ? { error: 'invalid_email' } : { field: 'email', value: email };
}
