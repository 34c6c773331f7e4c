import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';

/**
 * Bytes of request bodies the process holds at once, shared by every request that reads one. A request
 * that cannot reserve room for its next chunk is answered 503 at once: this bounds the memory (and so the
 * number of large parses) that any mix of clients can make us spend.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly maxBytes: number) {}

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

export type BodyFailureReason =
  /** Over the route's limit (after decompression). */
  | 'too_large'
  /** An unsupported Content-Encoding, or a corrupt compressed stream. */
  | 'bad_encoding'
  /** The BodyBudget is spent. */
  | 'busy'
  /** onChunk asked to stop: the caller has its answer already (e.g. an invalid key in a long body). */
  | 'stopped'
  /** The client went away. */
  | 'aborted';

export type BodyResult =
  { ok: true; bytes: Buffer; reserved: number } | { ok: false; reason: BodyFailureReason; reserved: number };

export interface ReadBodyOptions {
  /** Largest body accepted, counted after Content-Encoding is undone (a gzip bomb stops here). */
  limit: number;
  budget: BodyBudget;
  /**
   * Sees each decoded chunk as it arrives, with the total so far; false stops reading. Reading waits for
   * it, so it may take its time (parse, look a key up) without buffering more.
   */
  onChunk?: (chunk: Buffer, total: number) => boolean | Promise<boolean>;
  /** Keep the chunks (default); a streaming consumer that keeps its own state can say no. */
  collect?: boolean;
}

/**
 * Reads a request body up to a limit, undoing gzip/deflate, without ever holding more than the limit
 * (a declared Content-Length over it is refused before a byte is read). On any failure the rest of the
 * body is discarded unread and the caller answers; `reserved` bytes must go back to the budget when the
 * caller is done with the body (`budget.release(result.reserved)`).
 */
export async function readRequestBody(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.limit) return discard(req, 'too_large', 0);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let stream: Readable = req;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = req.pipe(createGunzip());
  else if (encoding === 'deflate') stream = req.pipe(createInflate());
  else if (encoding !== 'identity' && encoding !== '') return discard(req, 'bad_encoding', 0);

  const source = stream;
  const chunks: Buffer[] = [];
  let total = 0;
  let reserved = 0;
  return new Promise<BodyResult>((resolve) => {
    let settled = false;
    let consuming: Promise<void> = Promise.resolve();
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      source.removeListener('data', onData);
      source.removeListener('end', onEnd);
      source.removeListener('error', onError);
      req.removeListener('close', onClose);
      resolve(result);
    };
    const stop = (reason: BodyFailureReason) => {
      if (source !== req) {
        req.unpipe(source as unknown as NodeJS.WritableStream);
        source.destroy();
      }
      settle(discard(req, reason, reserved));
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > options.limit) return stop('too_large');
      if (!options.budget.tryReserve(chunk.length)) return stop('busy');
      reserved += chunk.length;
      if (options.collect !== false) chunks.push(chunk);
      if (!options.onChunk) return;
      // Nothing more is read (or buffered) until the consumer has dealt with this chunk.
      source.pause();
      consuming = Promise.resolve()
        .then(() => options.onChunk!(chunk, total))
        .then(
          (more) => {
            if (more) source.resume();
            else stop('stopped');
          },
          () => stop('stopped'),
        );
    };
    // 'end' can come while the consumer still works on the last chunk (a paused stream still ends).
    const onEnd = () =>
      void consuming.then(() =>
        settle({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), reserved }),
      );
    // A corrupt compressed stream (a client that hung up is seen by onClose first).
    const onError = () => stop(source === req ? 'aborted' : 'bad_encoding');
    const onClose = () => {
      if (!req.complete) stop('aborted');
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    req.once('close', onClose);
    // A reset connection may also surface as an error on the request itself: never an uncaught one.
    if (source !== req) req.on('error', () => stop('aborted'));
  });
}

/** Lets the rest of the body drain unread (no buffering), so the answer can still reach the client. */
function discard(req: IncomingMessage, reason: BodyFailureReason, reserved: number): BodyResult {
  if (req.listenerCount('error') === 0) req.on('error', () => {});
  if (!req.readableEnded) req.resume();
  return { ok: false, reason, reserved };
}
