import { z } from 'zod';
import { setEntry } from '../safe-object';
import { createUpdateUserFields } from './actions/create-update-user/fields';
import { nonBlankName } from './actions/field-types';
import { sendEventFields } from './actions/send-event/fields';
import { PROJECT_ID_PATTERN } from '../connections/ids';

/**
 * Settings of an "Intercom - Event Streaming" destination sync, as on Amplitude's product page: one section
 * per action, built from the action's own field declarations (src/destination/actions/<action>/fields.ts:
 * Create & Update Users; Send Events with its event filter and event properties), then the sync's contact
 * mapping and its status toggle. Everything starts off and empty: nothing is sent until the user selects it.
 * The patch schema (partial edits) is derived from the same declarations.
 *
 * Workflow code imports this module for update validators, so it must stay pure: zod only.
 */

export const INTERCOM_USER_FIELDS = ['external_id', 'email'] as const;
export type IntercomUserField = (typeof INTERCOM_USER_FIELDS)[number];

/** The identity sources a cohort sync shares (src/cohort/settings.ts), which has no event properties. */
export const userIdSource = z.object({ kind: z.literal('user_id') }).meta({ title: 'Amplitude User ID' });
export const userPropertySource = z.object({
  kind: z.literal('user_property'),
  name: nonBlankName('user property').meta({ title: 'Property name' }),
});

/** A contact mapping whose identifier comes `from` one of the given sources (the Amplitude User ID by default). */
export function contactMappingFrom<S extends z.ZodType<{ kind: string }>>(from: S) {
  return z
    .object({
      intercomUser: z
        .enum(INTERCOM_USER_FIELDS)
        .meta({
          title: 'Intercom user',
          description: 'The contact field that identifies the user: External ID or Email.',
          'x-enumTitles': { external_id: 'External ID', email: 'Email' },
        })
        .default('external_id'),
      from: from.default(() => ({ kind: 'user_id' }) as z.core.util.NoUndefined<z.output<S>>),
    })
    .meta({ title: 'Mapping' });
}

/** A sync's on/off switch (a cohort sync has one too); it starts disabled. */
export function syncStatusSetting(description: string) {
  return z
    .enum(['enabled', 'disabled'])
    .meta({ title: 'Status', description, 'x-enumTitles': { enabled: 'Enabled', disabled: 'Disabled' } })
    .default('disabled');
}

/** Where the Intercom identifier comes from; Amplitude's default is the event's User ID. */
export const identitySourceSchema = z
  .discriminatedUnion('kind', [
    userIdSource,
    userPropertySource.meta({ title: 'Amplitude user property' }),
    z
      .object({
        kind: z.literal('event_property'),
        name: nonBlankName('event property').meta({ title: 'Property name' }),
      })
      .meta({ title: 'Amplitude event property' }),
  ])
  .meta({
    title: 'comes from',
    description: "The Amplitude User ID, or the user or event property (by name) that holds the contact's identifier.",
  });
export type IdentitySource = z.infer<typeof identitySourceSchema>;

/** How an Amplitude user is matched to an Intercom contact (every action of the sync uses it). */
export const contactMappingSchema = contactMappingFrom(identitySourceSchema);
export type ContactMapping = z.infer<typeof contactMappingSchema>;

export const destinationSettingsSchema = z.object({
  createUpdateUsers: createUpdateUserFields.prefault({}),
  sendEvents: sendEventFields.prefault({}),
  mapping: contactMappingSchema.prefault({}),
  amplitudeProjectId: z
    .string()
    .regex(PROJECT_ID_PATTERN, 'letters, digits, - and _ only (1–64)')
    .nullable()
    .meta({
      title: 'Amplitude project',
      description:
        'The Amplitude project whose events this sync receives. Loop prevention then drops Intercom’s echoes of the events it sends only for that project’s source; unset, for every source on the workspace.',
    })
    .default(null),
  status: syncStatusSetting('Disabled sends nothing and queues nothing.'),
});
export type DestinationSettings = z.infer<typeof destinationSettingsSchema>;
/** What callers may store or send: any omitted part takes the product's default. */
export type DestinationSettingsInput = z.input<typeof destinationSettingsSchema>;

export function defaultDestinationSettings(): DestinationSettings {
  return destinationSettingsSchema.parse({});
}

/**
 * A partial edit, derived from the settings schema: each section may be given in part, without defaults;
 * lists and the identity source are replaced whole (a patch can't say "remove the third item"). Unknown keys
 * are rejected so typos surface.
 */
export const settingsPatchSchema = patchSchemaOf(destinationSettingsSchema);
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export type SettingsValidation =
  { ok: true; settings: DestinationSettings } | { ok: false; error: z.ZodError; message: string };

/** Validates stored or submitted settings, filling the product's defaults for anything omitted. */
export function parseDestinationSettings(input: unknown): SettingsValidation {
  const parsed = destinationSettingsSchema.safeParse(input);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, error: parsed.error, message: formatSettingsError(parsed.error) };
}

/**
 * Applies a partial edit and validates the result as a whole, so rules that span the merged
 * settings (unique names, reserved types) hold after the edit too. `current` is never mutated.
 */
export function applySettingsPatch(current: DestinationSettings, patch: unknown): SettingsValidation {
  const parsedPatch = settingsPatchSchema.safeParse(patch);
  if (!parsedPatch.success) {
    return { ok: false, error: parsedPatch.error, message: formatSettingsError(parsedPatch.error) };
  }
  const edit = parsedPatch.data;
  const { eventFilter: filterEdit, ...sendEventsEdit } = edit.sendEvents ?? {};
  return parseDestinationSettings({
    createUpdateUsers: overlay(current.createUpdateUsers, edit.createUpdateUsers),
    sendEvents: {
      ...overlay(current.sendEvents, sendEventsEdit),
      eventFilter: overlay(current.sendEvents.eventFilter, filterEdit),
    },
    mapping: overlay(current.mapping, edit.mapping),
    // null clears it; omitted keeps it.
    amplitudeProjectId: edit.amplitudeProjectId === undefined ? current.amplitudeProjectId : edit.amplitudeProjectId,
    status: edit.status ?? current.status,
  });
}

/**
 * What a user should know about valid settings. Amplitude's page allows 20 selected event
 * properties ("Intercom's limit of 20 metadata types"), but Intercom's API reference keeps 10
 * metadata keys per event (our INTERCOM_METADATA_KEY_LIMIT): past it, keys are cut in selection order.
 */
export function settingsWarnings(settings: DestinationSettings, limits: { metadataKeyLimit: number }): string[] {
  const selected = settings.sendEvents.eventProperties;
  const limit = limits.metadataKeyLimit;
  if (selected.length <= limit) return [];
  const cut = selected.slice(limit);
  return [
    `sendEvents.eventProperties: ${selected.length} event properties are selected, but Intercom keeps ${limit} ` +
      `metadata keys per event (its API reference says ${limit}; Amplitude's page and Intercom's help center say 20). ` +
      `Keys are kept in selection order, so ${cut.map((n) => `"${n}"`).join(', ')} will be cut from each event ` +
      `(counted per event name in the status as metadataKeysCut). Put the properties that matter most first.`,
  ];
}

/** One line per issue, prefixed with where it is, e.g. `sendEvents.eventFilter.eventTypes[0]: ...`. */
export function formatSettingsError(error: z.ZodError): string {
  return error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`).join('\n');
}

/** `sendEvents.eventFilter.eventTypes[0]`: where an issue is, as every error message says it. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'settings';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      return index === 0 ? String(segment) : `.${String(segment)}`;
    })
    .join('');
}

/**
 * The patch form of an object schema: every field optional and without its default, nested objects patchable
 * in part, unknown keys refused. Labels and help (`.meta`) carry over. Anything but an object is replaced whole.
 */
function patchSchemaOf<T extends z.ZodObject>(schema: T): z.ZodType<PatchOf<T>> {
  return patchOf(schema) as z.ZodType<PatchOf<T>>;
}

function patchOf(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof z.ZodObject)) return inner;
  const fields = Object.fromEntries(Object.entries(inner.shape).map(([key, field]) => [key, patchOf(field)]));
  const patch = z.strictObject(fields).partial();
  const meta = z.globalRegistry.get(inner);
  return meta ? patch.meta(meta) : patch;
}

/** The type patchOf makes of a schema: objects in part, all the way down; anything else whole. */
type PatchOf<S> =
  S extends z.ZodDefault<infer Inner>
    ? PatchOf<Inner>
    : S extends z.ZodPrefault<infer Inner>
      ? PatchOf<Inner>
      : S extends z.ZodObject<infer Shape>
        ? { [K in keyof Shape]?: PatchOf<Shape[K]> }
        : z.output<S>;

/** Copies `base` with every defined value of `edit` on top (an explicit `undefined` changes nothing). */
function overlay<T extends object>(base: T, edit: Partial<T> | undefined): T {
  const result = { ...base };
  for (const [key, value] of Object.entries(edit ?? {})) {
    if (value !== undefined) setEntry(result as Record<string, unknown>, key, value);
  }
  return result;
}
