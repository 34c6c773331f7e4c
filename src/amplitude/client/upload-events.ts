import type { CallFailure } from '../../outcomes';
import type { AmplitudeEvent } from '../protocol/event';
import { classifyUploadResponse, splitForLimits } from './classify-response';
import { httpSend, httpSendWithFetch } from '../../util/http';

/**
 * Sends events to Amplitude's HTTP V2 API and sorts each one, in the shared vocabulary (src/outcomes.ts),
 * into delivered (ok), dropped (rejected, with a reason) or retry-later (retry-after, with a wait), following
 * Amplitude's answers: 400 drops only the events it names, 413 splits, 429 holds back only the throttled
 * users. A failure of the whole request (5xx and network failures after brief retries, a rejected API key)
 * ends the upload: `stopped` says why, and the events not sorted yet are the caller's to retry
 * (insert_id makes the resend harmless).
 */
export interface UploadItem<R> {
  ref: R;
  event: AmplitudeEvent;
}

export interface UploadResult<R> {
  delivered: R[];
  dropped: { ref: R; reason: string }[];
  retryLater: { ref: R; delayMs: number; reason: string }[];
  requests: number;
  /**
   * The upload ended early: retry-after (Amplitude failed), auth-revoked (the API key was refused) or
   * rejected (a refusal of the whole request, such as a WAF block). Events in no list above were not sent.
   */
  stopped?: CallFailure;
}

/** The retry reason of events whose request Amplitude failed (5xx, timeouts, no answer). */
export const AMPLITUDE_UNAVAILABLE_REASON = 'amplitude_unavailable';

export interface UploaderOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** Instead of our HTTP client (tests). */
  fetch?: typeof fetch;
  /** Waits before re-sending after a 5xx or a network failure, within this upload (like Amplitude's own streaming). */
  transientRetryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

const TRANSIENT_RETRY_DELAYS_MS = [200, 800];

/** The retry reason of events held back by a 429 that named no user, device or event. */
export const UNSPECIFIED_THROTTLE_REASON = 'amplitude_throttled_request';

/** Fatal reasons (classify-response.ts) that say the API key itself is refused. */
const API_KEY_REFUSALS = ['invalid_api_key', 'missing_field:api_key'];

/** Upper bound on requests per upload, so a misbehaving server cannot keep us looping. */
const MAX_REQUESTS_FACTOR = 4;

export async function uploadEvents<R>(items: UploadItem<R>[], options: UploaderOptions): Promise<UploadResult<R>> {
  const send = options.fetch ? httpSendWithFetch(options.fetch) : httpSend;
  const result: UploadResult<R> = { delivered: [], dropped: [], retryLater: [], requests: 0 };
  const queue = splitForLimits(items, undefined, undefined, undefined, (item) => item.event);
  const maxRequests = Math.max(8, queue.length * MAX_REQUESTS_FACTOR);

  while (queue.length > 0) {
    const chunk = queue.shift()!;
    if (result.requests >= maxRequests) {
      for (const item of [chunk, ...queue].flat())
        result.retryLater.push({ ref: item.ref, delayMs: 30_000, reason: 'retry_budget' });
      break;
    }
    result.requests += 1;
    const body = JSON.stringify({
      api_key: options.apiKey,
      events: chunk.map((i) => i.event),
      // min_id_length 1: Intercom user ids can be shorter than Amplitude's default of 5 and would be stripped.
      options: { min_id_length: 1 },
    });
    const delays = options.transientRetryDelaysMs ?? TRANSIENT_RETRY_DELAYS_MS;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let status = 0;
    let text = '';
    // A brief hiccup (5xx, reset connection) is retried here, so one bad answer does not fail the batch.
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await send(`${options.baseUrl}/2/httpapi`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: '*/*' },
          body,
          timeoutMs: options.timeoutMs ?? 30_000,
        });
        status = response.status;
        text = await response.text();
        if ((status >= 500 || status === 408) && attempt < delays.length) {
          await sleep(delays[attempt]!);
          result.requests += 1;
          continue;
        }
        break;
      } catch (err) {
        if (attempt < delays.length) {
          await sleep(delays[attempt]!);
          result.requests += 1;
          continue;
        }
        result.stopped = {
          kind: 'retry_after',
          reason: AMPLITUDE_UNAVAILABLE_REASON,
          message: `Amplitude request failed: ${(err as Error).message}`,
        };
        return result;
      }
    }

    const outcome = classifyUploadResponse(
      status,
      text,
      chunk.map((i) => i.event),
    );
    const retryLater = (indexes: number[], delayMs: number, reason: string) => {
      for (const index of indexes) result.retryLater.push({ ref: chunk[index]!.ref, delayMs, reason });
    };
    switch (outcome.kind) {
      case 'ok':
        result.delivered.push(...chunk.map((i) => i.ref));
        break;
      case 'partial': {
        for (const [index, reason] of outcome.invalid)
          result.dropped.push({ ref: chunk[index]!.ref, reason: `amplitude_${reason}` });
        retryLater(outcome.throttledIndexes, outcome.retryAfterMs, 'amplitude_throttled');
        const resend = outcome.retryIndexes.map((i) => chunk[i]!);
        if (resend.length > 0) queue.unshift(resend);
        break;
      }
      case 'too_large':
        if (outcome.canSplit) {
          const half = Math.ceil(chunk.length / 2);
          queue.unshift(chunk.slice(0, half), chunk.slice(half));
        } else {
          result.dropped.push({ ref: chunk[0]!.ref, reason: 'amplitude_payload_too_large' });
        }
        break;
      case 'throttled': {
        // A 429 naming nobody is a plain "slow down" (the documented 30 s pause is for the users it names):
        // its reason lets the caller choose a pause of its own.
        retryLater(
          outcome.throttledIndexes,
          outcome.retryAfterMs,
          outcome.unspecified ? UNSPECIFIED_THROTTLE_REASON : 'amplitude_throttled',
        );
        retryLater(outcome.dailyQuotaIndexes, outcome.dailyQuotaRetryAfterMs, 'amplitude_daily_quota');
        const resend = outcome.retryNowIndexes.map((i) => chunk[i]!);
        if (resend.length > 0) queue.unshift(resend);
        break;
      }
      case 'fatal': {
        const message = `Amplitude rejected the upload (${outcome.status}): ${outcome.reason}`;
        result.stopped = API_KEY_REFUSALS.includes(outcome.reason)
          ? { kind: 'auth_revoked', message }
          : { kind: 'rejected', reason: `amplitude_${outcome.reason}`, message };
        return result;
      }
      case 'retry':
        result.stopped = {
          kind: 'retry_after',
          reason: AMPLITUDE_UNAVAILABLE_REASON,
          message: `Amplitude answered ${outcome.status}`,
        };
        return result;
    }
  }
  return result;
}
