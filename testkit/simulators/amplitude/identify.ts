import { documentedAnswer, INVALID_IDS, LIMITS, type Answer } from './documented';
import { readFormFields } from './request-body';
import { deeperThan, isObject } from './upload';

/** One identification of the Identify API: an id and user properties, and whatever else was sent. */
export interface Identification {
  user_id?: string;
  device_id?: string;
  user_properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export type IdentifyResult =
  { ok: true; apiKey: string; identifications: Identification[] } | { ok: false; answer: Answer };

/**
 * POST|GET /identify (documented in testkit/fixtures/amplitude/documented.json): `api_key` and
 * `identification` from a urlencoded or multipart form, or the query string (form fields win).
 * `identification` is a JSON object or a non-empty list; any bad one refuses the whole request with
 * `missing_event`, so nothing is half applied. Ids shorter than the default minimum are removed.
 */
export function readIdentify(
  raw: Buffer,
  contentType: string | undefined,
  query: Record<string, unknown>,
  isApiKeyValid: (apiKey: string) => boolean,
): IdentifyResult {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[key] = first;
  }
  Object.assign(fields, readFormFields(raw, contentType));
  const refuse = (answer: Answer): IdentifyResult => ({ ok: false, answer });
  const apiKey = fields.api_key;
  if (!apiKey) return refuse(documentedAnswer('missingApiKey'));
  if (!isApiKeyValid(apiKey)) return refuse(documentedAnswer('invalidApiKey'));
  let parsed: unknown;
  try {
    parsed = fields.identification ? JSON.parse(fields.identification) : undefined;
  } catch {
    parsed = undefined;
  }
  const list = isObject(parsed) ? [parsed] : Array.isArray(parsed) && parsed.length > 0 ? parsed : undefined;
  if (!list) return refuse(documentedAnswer('missingEvent'));
  const identifications: Identification[] = [];
  for (const candidate of list) {
    const identification = readIdentification(candidate);
    if (!identification) return refuse(documentedAnswer('missingEvent'));
    identifications.push(identification);
  }
  return { ok: true, apiKey, identifications };
}

function readIdentification(candidate: unknown): Identification | undefined {
  if (!isObject(candidate)) return undefined;
  if (candidate.user_properties !== undefined && !isObject(candidate.user_properties)) return undefined;
  if (deeperThan(candidate, LIMITS.maxObjectDepth + 1)) return undefined;
  const identification: Identification = { ...candidate };
  let ids = 0;
  for (const field of ['user_id', 'device_id'] as const) {
    const id = candidate[field];
    delete identification[field];
    if (id === undefined || id === null) continue;
    if (typeof id !== 'string' || INVALID_IDS.has(id.toLowerCase()) || id.length > LIMITS.maxStringLength) {
      return undefined;
    }
    if (id.length >= LIMITS.defaultMinIdLength) {
      identification[field] = id;
      ids += 1;
    }
  }
  return ids > 0 ? identification : undefined;
}
