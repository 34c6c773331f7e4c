import { setImmediate as nextTurn } from 'node:timers/promises';
import { JSONParser } from '@streamparser/json';
import {
  acceptedOrRejected,
  checkUploadEnvelope,
  invalidJsonBody,
  rejectWith,
  tooLargeBody,
  validateEvents,
  emptyIssues,
  MAX_EVENTS_PER_REQUEST,
  type EventsValidation,
  type ExtraEventCheck,
  type Rejection,
  type UploadEndpoint,
  type UploadEnvelope,
  type UploadParseResult,
} from '../amplitude/protocol';

/**
 * Bytes parsed, or events validated, before giving other requests a turn of the event loop. 8 kB of the smallest
 * tokens (`1,1,1,…`) is some 4,000 of them for the streaming tokenizer: a few ms; 32 kB took 25–40 ms on a normal
 * day and over 50 ms on a slow one under the full test suite.
 */
const SLICE_BYTES = 8 * 1024;
const SLICE_EVENTS = 10;

/**
 * A Batch upload too large to parse in one go without holding the event loop (JSON.parse of 20 MB of
 * small tokens takes far more than 50 ms): parsed incrementally as it arrives, 32 kB at a time with a
 * turn of the event loop in between, keeping only api_key, options and each event. The api_key is known
 * as soon as it has been read, so the caller can refuse a bad key without reading the rest.
 */
export class StreamedUpload {
  private readonly parser = new JSONParser({ paths: ['$.api_key', '$.options', '$.events.*'], keepStack: false });
  private apiKeyValue: unknown;
  private options: unknown;
  private events: unknown[] = [];
  private eventsNotArray = false;
  private error?: Rejection;
  private ended = false;
  private firstByteSeen = false;

  constructor(private readonly endpoint: UploadEndpoint) {
    this.parser.onValue = ({ value, key, parent }) => {
      if (key === 'api_key') this.apiKeyValue = value;
      else if (key === 'options') this.options = value;
      else if (!Array.isArray(parent)) this.eventsNotArray = true;
      else if (this.events.length >= MAX_EVENTS_PER_REQUEST) this.fail(rejectWith(413, tooLargeBody()));
      else this.events.push(value);
    };
    this.parser.onError = () => this.fail(rejectWith(400, invalidJsonBody()));
    this.parser.onEnd = () => (this.ended = true);
  }

  /** The api_key read so far (undefined until the parser has passed it). */
  get apiKey(): string | undefined {
    return typeof this.apiKeyValue === 'string' && this.apiKeyValue.length > 0 ? this.apiKeyValue : undefined;
  }

  /** The first problem found; parsing stops there. */
  get rejection(): Rejection | undefined {
    return this.error;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.firstByteSeen) {
      const first = chunk.find((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
      if (first !== undefined) {
        this.firstByteSeen = true;
        // Only an object can be an upload (the paths above would silently match nothing in anything else).
        if (first !== 0x7b) this.fail(rejectWith(400, invalidJsonBody()));
      }
    }
    // After the object has ended the parser still reads on: anything but whitespace is an error.
    for (let offset = 0; offset < chunk.length && !this.error; offset += SLICE_BYTES) {
      this.parser.write(chunk.subarray(offset, offset + SLICE_BYTES));
      await nextTurn();
    }
  }

  /**
   * The same answer parseUploadRequest gives for the whole body, with the key already checked by the
   * caller: the envelope, then every event validated in slices.
   */
  async finish(payloadSizeBytes: number, extraCheck?: ExtraEventCheck): Promise<UploadParseResult> {
    if (this.error) return this.error;
    if (!this.ended) return rejectWith(400, invalidJsonBody());
    const body: Record<string, unknown> = Object.create(null);
    body.api_key = this.apiKeyValue;
    body.options = this.options;
    body.events = this.eventsNotArray ? {} : this.events;
    const envelope = checkUploadEnvelope(body, this.endpoint);
    if (!envelope.ok) return envelope;
    return validateInSlices(envelope, payloadSizeBytes, extraCheck);
  }

  private fail(rejection: Rejection): void {
    this.error ??= rejection;
  }
}

/**
 * validateEvents over a whole request, 10 events at a time with a turn of the event loop in between, and
 * Amplitude's answer: the same result as one call, without holding the loop for a large request.
 */
export async function validateInSlices(
  envelope: UploadEnvelope,
  payloadSizeBytes: number,
  extraCheck?: ExtraEventCheck,
): Promise<UploadParseResult> {
  const merged: EventsValidation = { issues: emptyIssues(), hasIssues: false, events: [], strippedIds: [] };
  for (let start = 0; start < envelope.events.length; start += SLICE_EVENTS) {
    if (start > 0) await nextTurn();
    const slice = validateEvents(envelope.events.slice(start, start + SLICE_EVENTS), envelope.minIdLength, {
      indexOffset: start,
      extraCheck,
    });
    for (const map of ['invalidFields', 'missingFields', 'invalidIdLengths'] as const) {
      for (const [field, indexes] of Object.entries(slice.issues[map]))
        (merged.issues[map][field] ??= []).push(...indexes);
    }
    merged.hasIssues ||= slice.hasIssues;
    merged.events.push(...slice.events);
    merged.strippedIds.push(...slice.strippedIds);
  }
  if (merged.hasIssues) merged.events = [];
  return acceptedOrRejected(envelope, merged, payloadSizeBytes);
}
