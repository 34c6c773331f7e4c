import { z } from 'zod';

/**
 * Settings of a source connection, chosen during onboarding and editable later through the
 * workflow's validated `configure` update. Pure (imported by workflow code).
 */
export const identityMappingSchema = z.enum(['user_id', 'email'], {
  message: "identityMapping must be 'user_id' (Intercom user id) or 'email' (email, falling back to user id)",
});

/**
 * How events are named: `as_sent` is Amplitude's own integration, `[Intercom] <topic as Intercom
 * sent it>`; `normalized` names legacy (1.x) topics by their 2.x names, so an app pinned to 1.x
 * and one on 2.x produce the same event types. `intercom_topic` keeps the topic as sent either way.
 */
export const EVENT_NAMINGS = ['as_sent', 'normalized'] as const;
export type EventNaming = (typeof EVENT_NAMINGS)[number];
export const DEFAULT_EVENT_NAMING: EventNaming = 'as_sent';

export const eventNamingSchema = z.enum(EVENT_NAMINGS, {
  message: "eventNaming must be 'as_sent' ([Intercom] <topic as sent>) or 'normalized' (1.x topics by their 2.x names)",
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
