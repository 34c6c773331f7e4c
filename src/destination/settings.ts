import { z } from 'zod';
import { setEntry } from '../safe-object';

/**
 * Settings of an "Intercom - Event Streaming" destination sync, as on Amplitude's product page:
 * Create & Update Users, Send Events (event filter + event properties), the identity mapping and
 * the status toggle. Everything starts off and empty: nothing is sent until the user selects it.
 *
 * Workflow code imports this module for update validators, so it must stay pure: zod only.
 */

/** Amplitude event streaming uses these names internally ("all events", identifies), so they can't be selected. */
export const RESERVED_STREAMING_EVENT_TYPES: readonly string[] = ['_all', '_identify'];
/** Amplitude's user/group property operations travel as these event types; they are never data events. */
export const IDENTIFY_EVENT_TYPES: readonly string[] = ['$identify', '$groupidentify'];

/** Selections above the Intercom caps are allowed (we cut and count at send time), but not absurd ones. */
export const MAX_SELECTED_PROPERTIES = 250;
/** Amplitude's own per-project limit of event types; Intercom's 120 active names are enforced when sending. */
export const MAX_SELECTED_EVENT_TYPES = 2000;
export const MAX_FILTER_CONDITIONS = 50;
export const MAX_CONDITION_VALUES = 100;
/** Amplitude truncates string values (and so property names) at 1,024 characters. */
const MAX_NAME_LENGTH = 1024;

const nonBlankName = (what: string) =>
  z
    .string()
    .max(MAX_NAME_LENGTH, `${what} is longer than ${MAX_NAME_LENGTH} characters`)
    .refine((name) => name.trim().length > 0, `${what} must not be empty`);

function uniqueList<T extends z.ZodType<string>>(item: T, what: string, plural: string, max: number) {
  return z
    .array(item)
    .max(max, `at most ${max} ${plural} can be selected`)
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, index) => {
        if (seen.has(name))
          ctx.addIssue({ code: 'custom', path: [index], message: `${what} "${name}" is selected twice` });
        seen.add(name);
      });
    });
}

const eventTypeName = nonBlankName('event type')
  .refine((name) => !RESERVED_STREAMING_EVENT_TYPES.includes(name), {
    message: 'is reserved by Amplitude event streaming and cannot be selected',
  })
  .refine((name) => !IDENTIFY_EVENT_TYPES.includes(name), {
    message: 'is a user property update, not an event: use Create & Update Users instead',
  });

const propertyList = (what: string) => uniqueList(nonBlankName(what), what, 'properties', MAX_SELECTED_PROPERTIES);
const eventTypeList = uniqueList(eventTypeName, 'event type', 'event types', MAX_SELECTED_EVENT_TYPES).meta({
  title: 'Event types',
  description: 'Amplitude event types to send.',
});
// Titles and descriptions label the setup page's form fields and its error messages (through the OpenAPI document).
const userPropertyList = propertyList('user property').meta({
  title: 'User properties',
  description: 'Amplitude user property names, copied to Intercom contact attributes.',
});
const eventPropertyList = propertyList('event property').meta({
  title: 'Event properties',
  description: 'Event property names sent as Intercom event metadata, most important first.',
});
const allEventsFlag = z.boolean().meta({ title: 'All events', description: 'Send every event type.' });
const statusChoice = z.enum(['enabled', 'disabled']).meta({
  title: 'Status',
  description: 'Disabled sends nothing and queues nothing.',
  'x-enumTitles': { enabled: 'Enabled', disabled: 'Disabled' },
});
const createUpdateUsersMeta = {
  title: 'Create & Update Users',
  description: 'Identifies create or update Intercom contacts.',
};
const sendEventsMeta = { title: 'Send Events', description: 'Events go to contacts that exist in Intercom.' };

export const CONDITION_OPERATORS = [
  'is',
  'is_not',
  'contains',
  'does_not_contain',
  'exists',
  'not_exists',
  'greater_than',
  'less_than',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const VALUELESS_OPERATORS: readonly ConditionOperator[] = ['exists', 'not_exists'];
const NUMERIC_OPERATORS: readonly ConditionOperator[] = ['greater_than', 'less_than'];

/**
 * One "where" clause of Amplitude's event filter. `values` is an any-of list for is/contains
 * (and a none-of list for their negations); greater_than/less_than take exactly one number.
 */
export const propertyConditionSchema = z
  .object({
    property: nonBlankName('property name'),
    scope: z.enum(['event', 'user']),
    operator: z.enum(CONDITION_OPERATORS),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .max(MAX_CONDITION_VALUES, `at most ${MAX_CONDITION_VALUES} values per condition`)
      .optional(),
  })
  .superRefine((condition, ctx) => {
    const values = condition.values ?? [];
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: ['values'], message });
    if (VALUELESS_OPERATORS.includes(condition.operator)) {
      if (values.length > 0) fail(`"${condition.operator}" takes no values`);
    } else if (NUMERIC_OPERATORS.includes(condition.operator)) {
      if (values.length !== 1 || typeof values[0] !== 'number' || !Number.isFinite(values[0]))
        fail(`"${condition.operator}" takes exactly one number`);
    } else if (values.length === 0) {
      fail(`"${condition.operator}" needs at least one value`);
    }
  });
export type PropertyCondition = z.infer<typeof propertyConditionSchema>;

const conditionList = z
  .array(propertyConditionSchema)
  .max(MAX_FILTER_CONDITIONS, `at most ${MAX_FILTER_CONDITIONS} conditions`)
  .meta({ title: 'Property conditions', description: 'Conditions on event or user properties that must all hold.' });

/**
 * Which events are sent: the selected event types (or every event when `allEvents` is on),
 * narrowed by property conditions that must all hold. Nothing selected means nothing is sent.
 * "All events" is an explicit flag rather than a `'*'` entry so no real event name is ambiguous.
 */
export const eventFilterSchema = z.object({
  eventTypes: eventTypeList.default(() => []),
  allEvents: allEventsFlag.default(false),
  conditions: conditionList.default(() => []),
});
export type EventFilter = z.infer<typeof eventFilterSchema>;

export const INTERCOM_USER_FIELDS = ['external_id', 'email'] as const;
export type IntercomUserField = (typeof INTERCOM_USER_FIELDS)[number];
const intercomUserChoice = z.enum(INTERCOM_USER_FIELDS).meta({
  title: 'Intercom user',
  description: 'The Intercom contact field that identifies the user.',
  'x-enumTitles': { external_id: 'External ID', email: 'Email' },
});

/** Where the Intercom identifier comes from; Amplitude's default is the event's User ID. */
export const identitySourceSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('user_id') }).meta({ title: 'Amplitude User ID' }),
    z
      .object({
        kind: z.literal('user_property'),
        name: nonBlankName('user property').meta({ title: 'Property name' }),
      })
      .meta({ title: 'Amplitude user property' }),
    z
      .object({
        kind: z.literal('event_property'),
        name: nonBlankName('event property').meta({ title: 'Property name' }),
      })
      .meta({ title: 'Amplitude event property' }),
  ])
  .meta({ title: 'comes from', description: 'Where the value of the Intercom user field comes from.' });
export type IdentitySource = z.infer<typeof identitySourceSchema>;

export const identityMappingSchema = z.object({
  intercomUser: intercomUserChoice.default('external_id'),
  from: identitySourceSchema.default(() => ({ kind: 'user_id' as const })),
});
export type IdentityMapping = z.infer<typeof identityMappingSchema>;

export const destinationSettingsSchema = z.object({
  createUpdateUsers: z
    .object({
      enabled: z.boolean().default(false),
      userProperties: userPropertyList.default(() => []),
    })
    .meta(createUpdateUsersMeta)
    .prefault({}),
  sendEvents: z
    .object({
      enabled: z.boolean().default(false),
      eventFilter: eventFilterSchema.prefault({}),
      eventProperties: eventPropertyList.default(() => []),
    })
    .meta(sendEventsMeta)
    .prefault({}),
  mapping: identityMappingSchema.prefault({}),
  status: statusChoice.default('disabled'),
});
export type DestinationSettings = z.infer<typeof destinationSettingsSchema>;
/** What callers may store or send: any omitted part takes the product's default. */
export type DestinationSettingsInput = z.input<typeof destinationSettingsSchema>;

export function defaultDestinationSettings(): DestinationSettings {
  return destinationSettingsSchema.parse({});
}

/**
 * A partial edit. Each section may be given in part; lists and the identity source are replaced
 * whole (a patch can't say "remove the third item"). Unknown keys are rejected so typos surface.
 */
export const settingsPatchSchema = z.strictObject({
  createUpdateUsers: z
    .strictObject({ enabled: z.boolean(), userProperties: userPropertyList })
    .partial()
    .optional()
    .meta(createUpdateUsersMeta),
  sendEvents: z
    .strictObject({
      enabled: z.boolean(),
      eventFilter: z
        .strictObject({ eventTypes: eventTypeList, allEvents: allEventsFlag, conditions: conditionList })
        .partial(),
      eventProperties: eventPropertyList,
    })
    .partial()
    .optional()
    .meta(sendEventsMeta),
  mapping: z
    .strictObject({ intercomUser: intercomUserChoice, from: identitySourceSchema })
    .partial()
    .optional()
    .meta({ title: 'Mapping' }),
  status: statusChoice.optional(),
});
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

/** Copies `base` with every defined value of `edit` on top (an explicit `undefined` changes nothing). */
function overlay<T extends object>(base: T, edit: Partial<T> | undefined): T {
  const result = { ...base };
  for (const [key, value] of Object.entries(edit ?? {})) {
    if (value !== undefined) setEntry(result as Record<string, unknown>, key, value);
  }
  return result;
}
