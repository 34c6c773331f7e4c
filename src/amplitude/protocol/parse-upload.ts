import { gunzipSync } from 'node:zlib';
import {
  invalidApiKeyBody,
  invalidEventJsonBody,
  invalidEventsBody,
  invalidJsonBody,
  missingBodyBody,
  missingFieldBody,
  tooLargeBody,
  type AmplitudeErrorBody,
} from './bodies';
import { isPlainObject, type AmplitudeEvent, type UploadOptions } from './event';
import { validateEvents, type EventsValidation, type ExtraEventCheck, type StrippedId } from './event-validation';
import { DEFAULT_MIN_ID_LENGTH, ENDPOINT_LIMITS, type UploadEndpoint } from './limits';

export interface UploadHeaders {
  contentType?: string;
  contentEncoding?: string;
}

export interface ParseOptions {
  /** Checked right after the api_key is found; omit to accept any non-empty key. */
  isApiKeyValid?: (apiKey: string) => boolean;
  /** The receiver's own per-event rules (what it can store), reported as invalid fields. */
  extraEventCheck?: ExtraEventCheck;
}

export interface Rejection {
  ok: false;
  status: number;
  body: AmplitudeErrorBody;
}

export interface UploadAccepted {
  ok: true;
  apiKey: string;
  events: AmplitudeEvent[];
  options: UploadOptions;
  /** Size of the decoded (un-gzipped) body, as reported in the 200 body. */
  payloadSizeBytes: number;
  strippedIds: StrippedId[];
}

export type UploadParseResult = UploadAccepted | Rejection;

/**
 * Validates a POST /2/httpapi or /batch body the way Amplitude does and yields Amplitude's exact answer.
 * An invalid event fails the whole request: the 400 lists the bad indexes and NOTHING is ingested; the
 * SDK drops those events and resends the rest. Checks run in this order, the first failure answering:
 * empty body → Content-Type → decoding and size (413) → JSON object → api_key → key validity → events
 * present → events an array → event count (413) → every event an object → per-event fields.
 */
export function parseUploadRequest(
  raw: Buffer,
  headers: UploadHeaders,
  endpoint: UploadEndpoint,
  options: ParseOptions = {},
): UploadParseResult {
  const decoded = decodeUploadRequest(raw, headers, endpoint, options);
  if (!decoded.ok) return decoded;
  const { envelope, payloadSizeBytes } = decoded;
  const validation = validateEvents(envelope.events, envelope.minIdLength, { extraCheck: options.extraEventCheck });
  return acceptedOrRejected(envelope, validation, payloadSizeBytes);
}

/**
 * Every check of parseUploadRequest up to the events themselves: for a receiver that validates the
 * events on its own schedule (in slices, between turns of the event loop).
 */
export function decodeUploadRequest(
  raw: Buffer,
  headers: UploadHeaders,
  endpoint: UploadEndpoint,
  options: ParseOptions = {},
): { ok: true; envelope: UploadEnvelope; payloadSizeBytes: number } | Rejection {
  const limits = ENDPOINT_LIMITS[endpoint];
  if (raw.length === 0) return rejectWith(400, missingBodyBody());
  // Amplitude requires application/json; it documents no separate error, so the body is "not JSON".
  if (!isJsonContentType(headers.contentType)) return rejectWith(400, invalidJsonBody());

  const decoded = decodeBody(raw, headers.contentEncoding, limits.maxBodyBytes);
  if (!decoded.ok) {
    return decoded.reason === 'too_large' ? rejectWith(413, tooLargeBody()) : rejectWith(400, invalidJsonBody());
  }
  if (decoded.bytes.length === 0) return rejectWith(400, missingBodyBody());

  const body = parseJson(decoded.bytes);
  if (!isPlainObject(body)) return rejectWith(400, invalidJsonBody());
  const envelope = checkUploadEnvelope(body, endpoint, options);
  if (!envelope.ok) return envelope;
  return { ok: true, envelope, payloadSizeBytes: decoded.bytes.length };
}

/** A request whose envelope is right: its events still need validateEvents. */
export interface UploadEnvelope {
  ok: true;
  apiKey: string;
  events: Record<string, unknown>[];
  minIdLength: number;
}

/**
 * The checks of a decoded JSON body up to the events themselves (api_key, key validity, events present,
 * an array, count, objects), shared by the whole-body parse and a receiver that streams a large body.
 */
export function checkUploadEnvelope(
  body: Record<string, unknown>,
  endpoint: UploadEndpoint,
  options: ParseOptions = {},
): UploadEnvelope | Rejection {
  const apiKey = body.api_key;
  if (typeof apiKey !== 'string' || apiKey.length === 0) return rejectWith(400, missingFieldBody('api_key'));
  if (options.isApiKeyValid && !options.isApiKeyValid(apiKey)) return rejectWith(400, invalidApiKeyBody());

  const events = body.events;
  if (events === undefined || events === null || (Array.isArray(events) && events.length === 0)) {
    return rejectWith(400, missingFieldBody('events'));
  }
  if (!Array.isArray(events)) return rejectWith(400, invalidEventJsonBody());
  if (events.length > ENDPOINT_LIMITS[endpoint].maxEvents) return rejectWith(413, tooLargeBody());
  if (!events.every(isPlainObject)) return rejectWith(400, invalidEventJsonBody());
  return { ok: true, apiKey, events, minIdLength: readMinIdLength(body.options) };
}

/** Amplitude's answer once every event is validated: a 400 naming the bad ones, or the events to keep. */
export function acceptedOrRejected(
  envelope: UploadEnvelope,
  validation: EventsValidation,
  payloadSizeBytes: number,
): UploadParseResult {
  if (validation.hasIssues) return rejectWith(400, invalidEventsBody(validation.issues));
  return {
    ok: true,
    apiKey: envelope.apiKey,
    events: validation.events,
    options: { min_id_length: envelope.minIdLength },
    payloadSizeBytes,
    strippedIds: validation.strippedIds,
  };
}

export type DecodedBody = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'bad_encoding' };

/**
 * Undoes Content-Encoding (gzip or none) and enforces the size limit on the decoded bytes. A body must be
 * smaller than `maxBytes`; decompression stops there, so a gzip bomb costs at most `maxBytes` of memory.
 */
export function decodeBody(raw: Buffer, contentEncoding: string | undefined, maxBytes: number): DecodedBody {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === '' || encoding === 'identity') {
    bytes = raw;
  } else if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return { ok: false, reason: tooLarge ? 'too_large' : 'bad_encoding' };
    }
  } else {
    return { ok: false, reason: 'bad_encoding' };
  }
  return bytes.length >= maxBytes ? { ok: false, reason: 'too_large' } : { ok: true, bytes };
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json';
}

/** `multipart/form-data; boundary=x` → `multipart/form-data`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A positive integer min_id_length overrides the default; anything else is ignored, as the SDK may send none. */
function readMinIdLength(options: unknown): number {
  const value = isPlainObject(options) ? options.min_id_length : undefined;
  return Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : DEFAULT_MIN_ID_LENGTH;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A refusal with Amplitude's status and body. */
export function rejectWith(status: number, body: AmplitudeErrorBody): Rejection {
  return { ok: false, status, body };
}
