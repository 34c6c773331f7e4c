import { z } from 'zod';

/**
 * Settings of a source connection, chosen during onboarding and editable later through the
 * workflow's validated `configure` update. Pure (imported by workflow code).
 */
export const identityMappingSchema = z.enum(['user_id', 'email'], {
  message: "identityMapping must be 'user_id' (Intercom user id) or 'email' (email, falling back to user id)",
});

export const sourceSettingsPatchSchema = z
  .object({
    identityMapping: identityMappingSchema.optional(),
  })
  .strict();

export type IdentityMappingChoice = z.infer<typeof identityMappingSchema>;
export type SourceSettingsPatch = z.infer<typeof sourceSettingsPatchSchema>;

export interface SourceSettings {
  identityMapping?: IdentityMappingChoice;
}

/** Throws an Error with one readable line per problem; used as the update validator. */
export function validateSourceSettingsPatch(patch: unknown): SourceSettingsPatch {
  const parsed = sourceSettingsPatchSchema.safeParse(patch);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
