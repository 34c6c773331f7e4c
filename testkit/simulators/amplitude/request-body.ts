import type { Request, RequestHandler } from 'express';
import {
  BATCH_MAX_BODY_BYTES,
  decodeBody,
  isJsonContentType,
  readFormFields,
  tooLargeBody,
} from '../../../src/amplitude/protocol';

/**
 * Reads the body as raw bytes into `res.locals.rawBody`: protocol.ts must see exactly what was sent
 * (gzip included) to answer as Amplitude does. Anything beyond the largest legal body is not kept and
 * is flagged for `rejectOversizedBody`. `req.body` gets a readable view for the request log, so this
 * runs before recordRequests: a request that hangs never finishes, and its body must be logged anyway.
 */
export function readRawBody(limitBytes = BATCH_MAX_BODY_BYTES): RequestHandler {
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
    if (res.locals.bodyTooLarge === true) res.status(413).json(tooLargeBody());
    else next();
  };
}

export function rawBodyOf(res: { locals: Record<string, unknown> }): Buffer {
  const raw = res.locals.rawBody;
  return Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
}

/** Parsed JSON or form fields when readable, else the text; undefined for an empty body. */
function describeBody(req: Request, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const contentType = req.get('content-type');
  if (isJsonContentType(contentType)) {
    const decoded = decodeBody(raw, req.get('content-encoding'), BATCH_MAX_BODY_BYTES);
    if (!decoded.ok) return undefined;
    try {
      return JSON.parse(decoded.bytes.toString('utf8'));
    } catch {
      return decoded.bytes.toString('utf8');
    }
  }
  const fields = readFormFields(raw, contentType);
  return Object.keys(fields).length > 0 ? fields : raw.toString('utf8');
}
