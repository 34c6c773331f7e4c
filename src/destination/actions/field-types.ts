import { z } from 'zod';

/**
 * Building blocks of the actions' field declarations (fields.ts in each action's folder) and of the sync's own
 * settings: names a user types, and lists of them. Zod only: workflow code validates settings with them.
 */

/** Amplitude truncates string values (and so property names) at 1,024 characters. */
const MAX_NAME_LENGTH = 1024;
/** Selections above the Intercom caps are allowed (we cut and count at send time), but not absurd ones. */
export const MAX_SELECTED_PROPERTIES = 250;

export const nonBlankName = (what: string) =>
  z
    .string()
    .max(MAX_NAME_LENGTH, `${what} is longer than ${MAX_NAME_LENGTH} characters`)
    .refine((name) => name.trim().length > 0, `${what} must not be empty`);

/** A list of names, each at most once. */
export function uniqueList<T extends z.ZodType<string>>(item: T, what: string, plural: string, max: number) {
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

export const propertyList = (what: string) =>
  uniqueList(nonBlankName(what), what, 'properties', MAX_SELECTED_PROPERTIES);
