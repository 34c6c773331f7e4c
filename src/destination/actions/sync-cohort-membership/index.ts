import type { DestinationAction } from '../context';
import { performCohortMembership, prepareCohortMembership } from './perform';

/**
 * "Send Amplitude Cohorts to Intercom": a user entering a cohort gets the cohort's Intercom tag, a user leaving it
 * loses it. Fields: the cohort sync's settings (src/cohort/settings.ts).
 */
export const syncCohortMembership: DestinationAction = {
  title: 'Sync Cohort Membership',
  rowKind: 'membership',
  perform: performCohortMembership,
  prepare: prepareCohortMembership,
};
