import { z } from 'zod';

/**
 * Settings of a source connection, chosen during onboarding and editable later through the
 * workflow's validated `configure` update. Pure (imported by workflow code).
 */
export const identityMappingSchema = z
  .enum(['user_id', 'email'], {
    message: "identityMapping must be 'user_id' (Intercom user id) or 'email' (email, falling back to user id)",
  })
  .meta({
    title: 'Intercom user property',
    description: 'Which Intercom property becomes the Amplitude User ID of the events.',
    // Labels of each choice (the setup page renders forms from these; see README "Setup page").
    'x-enumTitles': { user_id: 'User ID', email: 'Email (falls back to User ID)' },
    'x-enumDescriptions': {
      user_id: 'The user_id (external id) of the Intercom contact. Leads and visitors have none.',
      email:
        'The contact’s email as sent (trimmed). When an event lacks it, the email remembered or looked up for the contact; only then the User ID.',
    },
  });

/**
 * How events are named: `as_sent` is Amplitude's own integration, `[Intercom] <topic as Intercom
 * sent it>`; `normalized` names legacy (1.x) topics by their 2.x names, so an app pinned to 1.x
 * and one on 2.x produce the same event types. `intercom_topic` keeps the topic as sent either way.
 */
export const EVENT_NAMINGS = ['as_sent', 'normalized'] as const;
export type EventNaming = (typeof EVENT_NAMINGS)[number];
export const DEFAULT_EVENT_NAMING: EventNaming = 'as_sent';

export const eventNamingSchema = z
  .enum(EVENT_NAMINGS, {
    message:
      "eventNaming must be 'as_sent' ([Intercom] <topic as sent>) or 'normalized' (1.x topics by their 2.x names)",
  })
  .meta({
    title: 'Event names',
    description: 'How the Amplitude event types are named. The event property intercom_topic keeps the topic as sent.',
    default: DEFAULT_EVENT_NAMING,
    'x-enumTitles': { as_sent: 'As Intercom sends them', normalized: 'Normalized to API 2.x topics' },
    'x-enumDescriptions': {
      as_sent: '“[Intercom] <topic>” with the topic as Intercom sent it, as Amplitude’s own Intercom integration does.',
      normalized:
        'Legacy (API 1.x) topics take their 2.x names, e.g. user.created → contact.user.created, so apps on 1.x and 2.x produce the same event types.',
    },
  });

export const sourceSettingsPatchSchema = z
  .object({
    identityMapping: identityMappingSchema.optional(),
    eventNaming: eventNamingSchema.optional(),
  })
  .strict();

export type IdentityMappingChoice = z.infer<typeof identityMappingSchema>;
export type SourceSettingsPatch = z.infer<typeof sourceSettingsPatchSchema>;

export interface SourceSettings {
  identityMapping?: IdentityMappingChoice;
  /** Unset means DEFAULT_EVENT_NAMING. */
  eventNaming?: EventNaming;
}

/** Throws an Error with one readable line per problem; used as the update validator. */
export function validateSourceSettingsPatch(patch: unknown): SourceSettingsPatch {
  const parsed = sourceSettingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** The naming a connection's stored settings choose (settings are jsonb: anything unexpected means the default). */
export function eventNamingOf(settings: unknown): EventNaming {
  const naming = eventNamingSchema.safeParse((settings as SourceSettings | null | undefined)?.eventNaming);
  return naming.success ? naming.data : DEFAULT_EVENT_NAMING;
}
