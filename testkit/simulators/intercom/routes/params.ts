import type { Request } from 'express';
import { badParameter } from '../api-error';
import type { FieldResolver, SortOrder } from '../search';

/** A single string query parameter (the first one when repeated). */
export function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

export function jsonBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParameter('Request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** `pagination: {per_page, starting_after}` of a search body. */
export function searchPagination(body: Record<string, unknown>): { perPageRaw: unknown; startingAfter?: string } {
  const pagination = body.pagination;
  if (pagination === undefined || pagination === null) return { perPageRaw: undefined };
  if (typeof pagination !== 'object' || Array.isArray(pagination))
    throw badParameter('pagination must be an object', 'pagination');
  const { per_page: perPageRaw, starting_after: startingAfter } = pagination as Record<string, unknown>;
  if (startingAfter !== undefined && startingAfter !== null && typeof startingAfter !== 'string') {
    throw badParameter('starting_after must be a string', 'pagination.starting_after');
  }
  return { perPageRaw, startingAfter: startingAfter ?? undefined };
}

/**
 * `sort: {field, order}` of a search body. Without one, results come in creation order: a stable
 * stand-in for Intercom's default (last_request_at descending), which the simulator does not track.
 */
export function searchSort<T>(
  body: Record<string, unknown>,
  resolve: FieldResolver<T>,
  seq: (item: T) => number,
): SortOrder<T> {
  const sort = body.sort;
  if (sort === undefined || sort === null) return { key: seq, seq };
  if (typeof sort !== 'object' || Array.isArray(sort)) throw badParameter('sort must be an object', 'sort');
  const { field, order } = sort as Record<string, unknown>;
  const spec = typeof field === 'string' ? resolve(field) : undefined;
  if (!spec || spec.kind === 'id_list' || spec.kind === 'membership' || spec.kind === 'boolean')
    throw badParameter(`Cannot sort by ${String(field)}`, 'sort.field');
  if (order !== undefined && order !== 'ascending' && order !== 'descending') {
    throw badParameter('sort.order must be ascending or descending', 'sort.order');
  }
  return {
    key: (item) => {
      const value = spec.get(item);
      if (typeof value === 'number') return value;
      return value === null || value === undefined
        ? spec.kind === 'date' || spec.kind === 'number'
          ? -1
          : ''
        : String(value);
    },
    seq,
    descending: order === 'descending',
  };
}
