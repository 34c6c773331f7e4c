import type { CohortRecord } from '../../cohort/record';
import type { CohortSettings } from '../../cohort/settings';
import type { CohortTags } from '../../cohort/tags';
import type { IntercomClient } from '../../intercom/client';
import type { SentEventLedger } from '../../loop-prevention';
import type { RowOutcome } from '../../outcomes';
import type { DataAttributeRegistry } from '../attribute-registry';
import type { EventTypeRegistry } from '../event-types';
import type { IdentifyHashes } from '../identify-hashes';
import type { IdentityCache } from '../identity-cache';
import type { OutboxRow } from '../outbox';
import type { DestinationSettings } from '../settings';

/**
 * What a destination action works with and what it gives back. An action (a folder beside this file) performs
 * the outbox rows of its kind: it transforms the row with the sync's settings and calls Intercom through the
 * context. Each dependency is the narrow part an action uses, so unit tests hand in fakes.
 */
export interface DeliveryPolicy {
  metadataKeyLimit: number;
  /** Waits between attempts while a contact does not exist yet, e.g. 1 min, 5 min, … */
  parkScheduleMs: number[];
  /** How long an event may wait for its contact before it expires. */
  parkMaxAgeMs: number;
  /** How long transient Intercom failures are retried before a row expires. */
  retryWindowMs: number;
  /** How long "no such contact" is remembered, sparing repeated lookups during a burst. */
  missingTtlSeconds: number;
}

/** The Intercom calls the actions make. */
export type IntercomApi = Pick<
  IntercomClient,
  'searchContacts' | 'createContact' | 'updateContact' | 'sendEvent' | 'tagContact' | 'untagContact'
>;

/** What a cohort sync's membership rows need besides the destination's parts (src/cohort/). */
export interface CohortContext {
  settings: CohortSettings;
  tags: Pick<CohortTags, 'ensure' | 'forget'>;
  record: Pick<CohortRecord, 'tag' | 'contactOf' | 'state' | 'tagged' | 'untagged' | 'tagHeldByOtherCohort'>;
  /** Settles waiting additions a removal overtakes (src/destination/outbox.ts `cancelWaitingAdditions`). */
  cancelWaitingAdditions(change: {
    userKey: string;
    cohortId: string;
    userId: string;
    computedAt: Date;
  }): Promise<number>;
}

export interface DeliveryContext {
  workspaceId: string;
  token: string;
  settings: DestinationSettings;
  intercom: IntercomApi;
  identities: Pick<IdentityCache, 'get' | 'remember' | 'forget'>;
  eventTypes: Pick<EventTypeRegistry, 'check' | 'admit' | 'used' | 'release' | 'reject'>;
  attributes: Pick<DataAttributeRegistry, 'ensure'>;
  /** What Create & Update Users last wrote to each contact, so unchanged identifies are skipped. */
  identifyHashes: Pick<IdentifyHashes, 'unchanged' | 'remember' | 'forget'>;
  /** Loop prevention: every event is recorded before it is sent (src/loop-prevention.ts). */
  sentEvents: Pick<SentEventLedger, 'record'>;
  policy: DeliveryPolicy;
  /** Present for a cohort sync (its rows are memberships). */
  cohort?: CohortContext;
  now: () => number;
}

export interface RowResult {
  outcome: RowOutcome;
  /** Counters of the connection besides the outcome's own (e.g. contacts_created, parked, retried). */
  counters: Record<string, number>;
  /** An identify made this user's contact exist: release their parked events. */
  unparkUserKey?: string;
  /** Intercom refused the token: the sync is in error until an operator replaces it. */
  authRevoked?: boolean;
}

export interface DestinationAction {
  /** As Amplitude's product page names it. */
  title: string;
  /** The outbox rows it performs (a row's `kind`). */
  rowKind: OutboxRow['kind'];
  /** Performs one row. A failed Intercom call deep inside may end it by throwing CallFailedError (src/outcomes.ts). */
  perform(ctx: DeliveryContext, row: OutboxRow): Promise<RowResult>;
  /**
   * Runs once before a group's rows of this kind are performed, to do in bulk what each would do alone (look their
   * contacts up). Best effort: it may fail, and the rows then do it themselves.
   */
  prepare?(ctx: DeliveryContext, rows: readonly OutboxRow[]): Promise<void>;
}
