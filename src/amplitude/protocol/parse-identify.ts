import busboy from 'busboy';
import { setEntry } from '../../safe-object';
import { invalidApiKeyBody, missingEventBody, missingFieldBody } from './bodies';
import { isPlainObject, type Identification } from './event';
import { exceedsDepth } from './event-validation';
import { DEFAULT_MIN_ID_LENGTH, isInvalidIdValue, MAX_OBJECT_DEPTH, MAX_STRING_LENGTH } from './limits';
import { mediaType, rejectWith, type ParseOptions, type Rejection } from './parse-upload';

export interface IdentifyAccepted {
  ok: true;
  apiKey: string;
  /** Valid identifications, too-short ids removed (as on events). */
  identifications: Identification[];
}

export type IdentifyParseResult = IdentifyAccepted | Rejection;

/**
 * Validates POST|GET /identify (https://amplitude.com/docs/apis/analytics/identify). `api_key` and `identification` come from an
 * `application/x-www-form-urlencoded` or `multipart/form-data` body, or from the query string (GET);
 * body fields win. `identification` is JSON: one object or a non-empty array. Any bad identification
 * rejects the whole request with Amplitude's `missing_event` 400, so nothing is half-applied.
 * Errors use the same JSON shape as the upload endpoints (a missing api_key is `missing_field`).
 */
export function parseIdentifyRequest(
  raw: Buffer,
  contentType: string | undefined,
  query: Record<string, unknown> = {},
  options: ParseOptions = {},
): IdentifyParseResult {
  const fields = { ...stringFields(query), ...readFormFields(raw, contentType) };
  const apiKey = fields.api_key;
  if (!apiKey) return rejectWith(400, missingFieldBody('api_key'));
  if (options.isApiKeyValid && !options.isApiKeyValid(apiKey)) return rejectWith(400, invalidApiKeyBody());

  const parsed = parseIdentification(fields.identification);
  if (!parsed) return rejectWith(400, missingEventBody());
  const identifications: Identification[] = [];
  for (const candidate of parsed) {
    const identification = validIdentification(candidate);
    if (!identification) return rejectWith(400, missingEventBody());
    identifications.push(identification);
  }
  return { ok: true, apiKey, identifications };
}

function parseIdentification(text: string | undefined): unknown[] | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (isPlainObject(value)) return [value];
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

function validIdentification(candidate: unknown): Identification | undefined {
  if (!isPlainObject(candidate)) return undefined;
  if (candidate.user_properties !== undefined && !isPlainObject(candidate.user_properties)) return undefined;
  // The nesting limit of events (40 levels below the identification) applies to what we keep from it.
  if (exceedsDepth(candidate, MAX_OBJECT_DEPTH + 1)) return undefined;
  const identification: Record<string, unknown> = { ...candidate };
  let hasId = false;
  for (const field of ['user_id', 'device_id'] as const) {
    const id = candidate[field];
    if (id === undefined || id === null) {
      delete identification[field];
      continue;
    }
    if (typeof id !== 'string' || isInvalidIdValue(id) || id.length > MAX_STRING_LENGTH) return undefined;
    if (id.length < DEFAULT_MIN_ID_LENGTH) delete identification[field];
    else hasId = true;
  }
  return hasId ? (identification as Identification) : undefined;
}

/** Text fields of a form body; anything unreadable yields no fields (and so a missing api_key). */
export function readFormFields(raw: Buffer, contentType: string | undefined): Record<string, string> {
  if (raw.length === 0) return {};
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (type === 'multipart/form-data') return readMultipartFields(raw, contentType ?? '');
  return {};
}

/**
 * Text fields of a multipart/form-data body (curl -F), read by busboy: linear in the body, whatever the
 * part headers hold (a hand-written regex over attacker-controlled headers was quadratic). Files are
 * skipped; an unreadable body yields the fields read before the fault (and so, usually, no api_key).
 */
function readMultipartFields(raw: Buffer, contentType: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: { fieldSize: raw.length, files: 0, fields: 100, parts: 100 },
    });
  } catch {
    return {}; // no boundary
  }
  parser.on('field', (name, value) => (fields[name] = value));
  parser.on('file', (_name, stream) => stream.resume());
  parser.on('error', () => {});
  // busboy parses synchronously as it is written, so the fields are all here when end() returns.
  parser.end(raw);
  return { ...fields };
}

/** Express query values are strings or lists; the first string counts. */
function stringFields(query: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') setEntry(fields, key, first);
  }
  return fields;
}
