import { gunzipSync } from 'node:zlib';
import type { Request, RequestHandler } from 'express';
import { documentedAnswer, LIMITS } from './documented';

/**
 * Reads the body as raw bytes into `res.locals.rawBody`: the simulator must see exactly what was sent
 * (gzip included) to answer as Amplitude does. Anything beyond the largest legal body is not kept and
 * is flagged for `rejectOversizedBody`. `req.body` gets a readable view for the request log, so this
 * runs before recordRequests: a request that hangs never finishes, and its body must be logged anyway.
 */
export function readRawBody(limitBytes = LIMITS.maxBodyBytes.batch): RequestHandler {
  return (req, res, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.on('error', next);
    req.on('end', () => {
      if (size > limitBytes) {
        res.locals.bodyTooLarge = true;
        next();
        return;
      }
      const raw = Buffer.concat(chunks);
      res.locals.rawBody = raw;
      req.body = describeBody(req, raw);
      next();
    });
  };
}

/** Answers 413 for a body too large to have been kept (placed after the fault middleware). */
export function rejectOversizedBody(): RequestHandler {
  return (_req, res, next) => {
    if (res.locals.bodyTooLarge !== true) return next();
    const { status, body } = documentedAnswer('tooLarge');
    res.status(status).json(body);
  };
}

export function rawBodyOf(res: { locals: Record<string, unknown> }): Buffer {
  const raw = res.locals.rawBody;
  return Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
}

/** `application/json`, whatever its parameters. */
export function isJson(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json';
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Undoes gzip (the only encoding Amplitude documents) and applies the size limit to the decoded bytes,
 * never inflating past it: the body must be smaller than `maxBytes`.
 */
export function decodeBody(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Buffer | 'too_large' | 'unreadable' {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let bytes = raw;
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too_large' : 'unreadable';
    }
  } else if (encoding !== '' && encoding !== 'identity') {
    return 'unreadable';
  }
  return bytes.length >= maxBytes ? 'too_large' : bytes;
}

/** Text fields of a form body (urlencoded or multipart, as curl -F sends); nothing for other types. */
export function readFormFields(raw: Buffer, contentType: string | undefined): Record<string, string> {
  const type = mediaType(contentType);
  if (raw.length === 0) return {};
  if (type === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (type !== 'multipart/form-data') return {};
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return {};
  const fields: Record<string, string> = {};
  for (const part of raw.toString('utf8').split(`--${marker}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(part.slice(0, split))?.[1];
    if (name !== undefined) fields[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}

/** Parsed JSON or form fields when readable, else the text; undefined for an empty body. */
function describeBody(req: Request, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const contentType = req.get('content-type');
  if (isJson(contentType)) {
    const decoded = decodeBody(raw, req.get('content-encoding'), LIMITS.maxBodyBytes.batch);
    if (!Buffer.isBuffer(decoded)) return undefined;
    try {
      return JSON.parse(decoded.toString('utf8'));
    } catch {
      return decoded.toString('utf8');
    }
  }
  const fields = readFormFields(raw, contentType);
  return Object.keys(fields).length > 0 ? fields : raw.toString('utf8');
}
