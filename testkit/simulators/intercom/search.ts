import { badParameter } from './api-error';

/**
 * Intercom's search grammar and cursor pagination, shared by contacts and conversations.
 *
 * Query: `{field, operator, value}` or `{operator: 'AND'|'OR', value: [...]}`, at most 2 levels of
 * groups and 15 filters per group. Date fields accept only `=`, `<`, `>` and compare calendar days
 * in the workspace timezone (`>` starts at the next day), the way Intercom documents it, so a
 * client that searches `updated_at > t` misses the rest of t's day unless it overlaps windows.
 */

/**
 * `id_list`: a list of ids (a conversation's contact_ids). `membership`: a set searched only by `=` (is a
 * member) and `!=` (is not), as contact search documents `tag_id` ("supports only the = and != operators").
 */
export type FieldKind = 'string' | 'email' | 'date' | 'number' | 'boolean' | 'id_list' | 'membership';

export interface SearchField<T> {
  kind: FieldKind;
  get(item: T): unknown;
}

export type FieldResolver<T> = (name: string) => SearchField<T> | undefined;

const OPERATORS_BY_KIND: Record<FieldKind, readonly string[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  email: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  date: ['=', '<', '>'],
  number: ['=', '!=', 'IN', 'NIN', '<', '>', '<=', '>='],
  boolean: ['=', '!='],
  id_list: ['=', '!=', 'IN', 'NIN'],
  membership: ['=', '!='],
};

const MAX_FILTERS_PER_GROUP = 15;
const MAX_GROUP_LEVELS = 2;

type Predicate<T> = (item: T) => boolean;

export function compileQuery<T>(query: unknown, resolve: FieldResolver<T>, timezone: string): Predicate<T> {
  if (query === undefined || query === null) throw badParameter('query is required', 'query');
  return compileNode(query, resolve, timezone, 0);
}

function compileNode<T>(node: unknown, resolve: FieldResolver<T>, timezone: string, groupLevel: number): Predicate<T> {
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    throw badParameter('query must be an object', 'query');
  const { field, operator, value } = node as { field?: unknown; operator?: unknown; value?: unknown };
  if (field === undefined) {
    if (operator !== 'AND' && operator !== 'OR') {
      throw badParameter(`operator must be AND or OR for a group, got ${JSON.stringify(operator)}`, 'query.operator');
    }
    if (groupLevel + 1 > MAX_GROUP_LEVELS)
      throw badParameter(`Queries support at most ${MAX_GROUP_LEVELS} levels of nesting`, 'query');
    if (!Array.isArray(value) || value.length === 0)
      throw badParameter('A group needs a non-empty value array', 'query.value');
    if (value.length > MAX_FILTERS_PER_GROUP) {
      throw badParameter(`A group supports at most ${MAX_FILTERS_PER_GROUP} filters`, 'query.value');
    }
    const children = value.map((child) => compileNode(child, resolve, timezone, groupLevel + 1));
    return operator === 'AND' ? (item) => children.every((p) => p(item)) : (item) => children.some((p) => p(item));
  }
  if (typeof field !== 'string') throw badParameter('field must be a string', 'query.field');
  const spec = resolve(field);
  if (!spec) throw badParameter(`${field} is not a searchable field`, 'query.field');
  if (typeof operator !== 'string' || !OPERATORS_BY_KIND[spec.kind].includes(operator)) {
    throw badParameter(`Operator ${JSON.stringify(operator)} is not supported for field ${field}`, 'query.operator');
  }
  return compileLeaf(field, spec, operator, value, timezone);
}

function compileLeaf<T>(
  field: string,
  spec: SearchField<T>,
  operator: string,
  value: unknown,
  timezone: string,
): Predicate<T> {
  const invalid = (why: string) => badParameter(`Invalid value for ${field}: ${why}`, 'query.value');
  if (operator === 'IN' || operator === 'NIN') {
    if (!Array.isArray(value)) throw invalid(`${operator} needs an array`);
    const equals = value.map((v) => compileLeaf(field, spec, '=', v, timezone));
    const anyEqual: Predicate<T> = (item) => equals.some((p) => p(item));
    return operator === 'IN' ? anyEqual : (item) => !anyEqual(item);
  }
  if (operator === '!=') {
    const equal = compileLeaf(field, spec, '=', value, timezone);
    return (item) => !equal(item);
  }

  switch (spec.kind) {
    case 'date': {
      const seconds = toNumber(value);
      if (seconds === undefined) throw invalid('expected a Unix timestamp');
      const day = calendarDay(seconds, timezone);
      return (item) => {
        const v = spec.get(item);
        if (typeof v !== 'number') return false;
        const itemDay = calendarDay(v, timezone);
        return operator === '=' ? itemDay === day : operator === '<' ? itemDay < day : itemDay > day;
      };
    }
    case 'number': {
      const n = toNumber(value);
      if (value !== null && n === undefined) throw invalid('expected a number');
      return (item) => {
        const v = toNumber(spec.get(item));
        if (value === null) return v === undefined;
        if (v === undefined || n === undefined) return false;
        return compareNumbers(v, operator, n);
      };
    }
    case 'boolean': {
      const b = value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;
      if (b === undefined) throw invalid('expected true or false');
      return (item) => spec.get(item) === b;
    }
    case 'id_list':
    case 'membership':
      if (typeof value !== 'string' && typeof value !== 'number') throw invalid('expected an id');
      return (item) => {
        const ids = spec.get(item);
        return Array.isArray(ids) && ids.some((id) => String(id) === String(value));
      };
    case 'string':
    case 'email': {
      if (value !== null && typeof value !== 'string' && typeof value !== 'number') throw invalid('expected a string');
      const norm = (v: unknown) => (spec.kind === 'email' ? String(v).toLowerCase() : String(v));
      const wanted = value === null ? null : norm(value);
      return (item) => {
        const raw = spec.get(item);
        if (wanted === null) return operator === '=' ? raw === null || raw === undefined : false;
        if (raw === null || raw === undefined) return operator === '!~';
        const v = norm(raw);
        switch (operator) {
          case '=':
            return v === wanted;
          case '~':
            return v.includes(wanted);
          case '!~':
            return !v.includes(wanted);
          case '^':
            return v.startsWith(wanted);
          default: // '$'
            return v.endsWith(wanted);
        }
      };
    }
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function compareNumbers(a: number, operator: string, b: number): boolean {
  switch (operator) {
    case '=':
      return a === b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default: // '>='
      return a >= b;
  }
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD of a Unix time in a timezone; strings of this form compare in day order. */
export function calendarDay(unixSeconds: number, timezone: string): string {
  let formatter = dayFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormatters.set(timezone, formatter);
  }
  return formatter.format(new Date(unixSeconds * 1000));
}

// ---------------------------------------------------------------------------------------------
// Cursor pagination

export const MAX_PER_PAGE = 150;

export function parsePerPage(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) {
    throw badParameter(`per_page must be an integer between 1 and ${MAX_PER_PAGE}`, 'per_page');
  }
  return n;
}

export interface SortOrder<T> {
  key(item: T): number | string;
  /** Unique, stable tiebreaker (creation sequence). */
  seq(item: T): number;
  descending?: boolean;
}

export interface Pages {
  type: 'pages';
  page: number;
  per_page: number;
  total_pages: number;
  next?: { page: number; starting_after: string };
}

type Cursor = [key: number | string, seq: number, page: number];

/**
 * Stateless cursors like Intercom's (base64 JSON of the last item's sort value and id): the next
 * page starts after that position, so items that change mid-scan can repeat or be skipped.
 */
export function paginate<T>(
  items: readonly T[],
  order: SortOrder<T>,
  request: { perPage: number; startingAfter?: string },
): { data: T[]; totalCount: number; pages: Pages } {
  const direction = order.descending ? -1 : 1;
  const compare = (a: [number | string, number], b: [number | string, number]) =>
    direction * (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
  const position = (item: T): [number | string, number] => [order.key(item), order.seq(item)];
  const sorted = [...items].sort((a, b) => compare(position(a), position(b)));

  let page = 1;
  let remaining = sorted;
  if (request.startingAfter) {
    const cursor = decodeCursor(request.startingAfter);
    page = cursor[2] + 1;
    remaining = sorted.filter((item) => compare(position(item), [cursor[0], cursor[1]]) > 0);
  }
  const data = remaining.slice(0, request.perPage);
  const pages: Pages = {
    type: 'pages',
    page,
    per_page: request.perPage,
    total_pages: Math.ceil(items.length / request.perPage),
  };
  const last = data[data.length - 1];
  if (last !== undefined && remaining.length > data.length) {
    const [key, seq] = position(last);
    pages.next = { page: page + 1, starting_after: encodeCursor([key, seq, page]) };
  }
  return { data, totalCount: items.length, pages };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64');
}

function decodeCursor(raw: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      (typeof parsed[0] === 'number' || typeof parsed[0] === 'string') &&
      Number.isInteger(parsed[1]) &&
      Number.isInteger(parsed[2])
    ) {
      return parsed as Cursor;
    }
  } catch {
    // falls through to the error below
  }
  throw badParameter('starting_after is not a valid cursor', 'starting_after');
}
