import { z } from 'zod';
import { nonBlankName, propertyList, uniqueList } from '../field-types';

/**
 * The fields of "Send Events", declared once: type, label (`title`), help (`description`), default and
 * validation. The sync's settings schema (src/destination/settings.ts), the admin API and its OpenAPI document
 * are built from them. Zod only: workflow code validates settings with them.
 */

/** Amplitude event streaming uses these names internally ("all events", identifies), so they can't be selected. */
export const RESERVED_STREAMING_EVENT_TYPES: readonly string[] = ['_all', '_identify'];
/** Amplitude's user/group property operations travel as these event types; they are never data events. */
export const IDENTIFY_EVENT_TYPES: readonly string[] = ['$identify', '$groupidentify'];

/** Amplitude's own per-project limit of event types; Intercom's 120 active names are enforced when sending. */
export const MAX_SELECTED_EVENT_TYPES = 2000;
export const MAX_FILTER_CONDITIONS = 50;
export const MAX_CONDITION_VALUES = 100;

const eventTypeName = nonBlankName('event type')
  .refine((name) => !RESERVED_STREAMING_EVENT_TYPES.includes(name), {
    message: 'is reserved by Amplitude event streaming and cannot be selected',
  })
  .refine((name) => !IDENTIFY_EVENT_TYPES.includes(name), {
    message: 'is a user property update, not an event: use Create & Update Users instead',
  });

const eventTypeList = uniqueList(eventTypeName, 'event type', 'event types', MAX_SELECTED_EVENT_TYPES).meta({
  title: 'Event types',
  description: 'Amplitude event types to send.',
});

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
    property: nonBlankName('property name').meta({ title: 'Property' }),
    scope: z.enum(['event', 'user']).meta({ title: 'Of', description: 'An event property or a user property.' }),
    operator: z.enum(CONDITION_OPERATORS).meta({ title: 'Operator' }),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .max(MAX_CONDITION_VALUES, `at most ${MAX_CONDITION_VALUES} values per condition`)
      .optional()
      .meta({
        title: 'Values',
        description: 'Any of these (none of them for is_not and does_not_contain); one number to compare with.',
      }),
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
  .meta({ title: 'Property conditions', description: 'Every condition must hold for an event to be sent.' });

/**
 * Which events are sent: the selected event types (or every event when `allEvents` is on),
 * narrowed by property conditions that must all hold. Nothing selected means nothing is sent.
 * "All events" is an explicit flag rather than a `'*'` entry so no real event name is ambiguous.
 */
export const eventFilterSchema = z
  .object({
    eventTypes: eventTypeList.default(() => []),
    allEvents: z.boolean().meta({ title: 'All events' }).default(false),
    conditions: conditionList.default(() => []),
  })
  .meta({ title: 'Event filter', description: 'Amplitude\'s "Select and filter events".' });
export type EventFilter = z.infer<typeof eventFilterSchema>;

export const sendEventFields = z
  .object({
    enabled: z.boolean().meta({ title: 'Send Events' }).default(false),
    eventFilter: eventFilterSchema.prefault({}),
    eventProperties: propertyList('event property')
      .meta({
        title: 'Event properties',
        description: 'Event property names sent as Intercom event metadata, most important first.',
      })
      .default(() => []),
  })
  .meta({ title: 'Send Events', description: 'Events go to contacts that exist in Intercom.' });
export type SendEventSettings = z.infer<typeof sendEventFields>;
