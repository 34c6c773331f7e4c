import { z } from 'zod';
import { truncateString } from '../destination/values';
import { contactMappingFrom, syncStatusSetting, userIdSource, userPropertySource } from '../destination/settings';

/**
 * Settings of a cohort sync (Amplitude cohorts → Intercom tags): the tag's name, how a cohort member is matched
 * to an Intercom contact (the destination's mapping: External ID or Email, from the Amplitude user id or a user
 * property the cohort webhook carries along), and the status. Pure (zod only): workflow code validates with it.
 */

/** Intercom documents no limit on tag names; this keeps them short enough to show and index. */
export const MAX_TAG_NAME_LENGTH = 255;

/** A cohort has no events, so a member's identifier comes from its user id or one of its user properties. */
export const cohortIdentitySourceSchema = z
  .discriminatedUnion('kind', [
    userIdSource,
    userPropertySource.meta({
      title: 'Amplitude user property',
      description: 'Select the property in the cohort webhook’s user properties, so each member carries it.',
    }),
  ])
  .meta({
    title: 'comes from',
    description: "The Amplitude User ID, or the user property that holds the contact's identifier.",
  });

export const cohortMappingSchema = contactMappingFrom(cohortIdentitySourceSchema);
export type CohortMapping = z.infer<typeof cohortMappingSchema>;

const tagNameMeta = {
  title: 'Intercom tag name',
  description:
    'The tag members get. Empty: “Amplitude: <cohort name>”, one tag per cohort. A name given here is used for every cohort sent to this sync (a member keeps it while any of them has them). It names tags when they are created: to rename a tag that exists, rename it in Intercom (the sync keeps using it).',
};
const tagNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_TAG_NAME_LENGTH, `at most ${MAX_TAG_NAME_LENGTH} characters`);

export const cohortSettingsSchema = z.object({
  tagName: tagNameSchema.optional().meta(tagNameMeta),
  mapping: cohortMappingSchema.prefault({}),
  status: syncStatusSetting('Disabled tags nothing and queues nothing.'),
});
export type CohortSettings = z.infer<typeof cohortSettingsSchema>;

/** A partial edit: `tagName: null` goes back to the default name. */
export const cohortSettingsPatchSchema = z.strictObject({
  tagName: tagNameSchema.nullable().optional().meta(tagNameMeta),
  mapping: z
    .strictObject({
      intercomUser: cohortMappingSchema.shape.intercomUser.unwrap().optional(),
      from: cohortIdentitySourceSchema.optional(),
    })
    .optional(),
  status: cohortSettingsSchema.shape.status.unwrap().optional(),
});
export type CohortSettingsPatch = z.infer<typeof cohortSettingsPatchSchema>;

export type CohortSettingsValidation = { ok: true; settings: CohortSettings } | { ok: false; message: string };

export function parseCohortSettings(input: unknown): CohortSettingsValidation {
  const parsed = cohortSettingsSchema.safeParse(input);
  return parsed.success ? { ok: true, settings: parsed.data } : { ok: false, message: issuesOf(parsed.error) };
}

/** Applies a partial edit; `current` is never mutated. */
export function applyCohortSettingsPatch(current: CohortSettings, patch: unknown): CohortSettingsValidation {
  const parsed = cohortSettingsPatchSchema.safeParse(patch);
  if (!parsed.success) return { ok: false, message: issuesOf(parsed.error) };
  const edit = parsed.data;
  const tagName = edit.tagName === null ? undefined : (edit.tagName ?? current.tagName);
  return parseCohortSettings({
    ...(tagName !== undefined ? { tagName } : {}),
    mapping: {
      intercomUser: edit.mapping?.intercomUser ?? current.mapping.intercomUser,
      from: edit.mapping?.from ?? current.mapping.from,
    },
    status: edit.status ?? current.status,
  });
}

/** The tag a cohort's members get: the sync's tag name, else `Amplitude: <cohort name>`. */
export function tagNameFor(settings: Pick<CohortSettings, 'tagName'>, cohortName: string): string {
  const name = settings.tagName ?? `Amplitude: ${cohortName}`;
  return truncateString(name, MAX_TAG_NAME_LENGTH);
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'settings'}: ${i.message}`).join('\n');
}
