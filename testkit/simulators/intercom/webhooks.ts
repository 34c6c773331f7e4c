import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { buildNotificationEvent, buildPingItem, type NotificationEvent } from './items';

export const WEBHOOK_USER_AGENT = 'intercom-parrot-service-client/1.0';
/** Intercom counts a delivery as failed without a 2xx inside 5 s. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

export interface WebhookInput<Item = unknown> {
  appId: string;
  topic: string;
  item: Item;
  /** Notification id; defaults to `notif_<uuid>` (null for ping). */
  id?: string | null;
  /** Unix seconds; defaults to the simulator clock. */
  createdAt?: number;
}

export interface WebhookOptions {
  /** Sign with X-Hub-Signature; default true. */
  sign?: boolean;
  /** Signing key; defaults to the app's client secret. */
  secret?: string;
  timeoutMs?: number;
  /** Extra or overriding request headers (e.g. a forged signature). */
  headers?: Record<string, string>;
}

export interface WebhookDelivery<Item = unknown> {
  targetUrl: string;
  /** HTTP status; 0 when the request timed out or failed to connect. */
  status: number;
  body: string;
  durationMs: number;
  timedOut: boolean;
  error?: string;
  signed: boolean;
  notification: NotificationEvent<Item>;
  /** The exact bytes sent (and signed). */
  rawBody: string;
  headers: Record<string, string>;
}

/**
 * Intercom's signature (testkit/fixtures/intercom/webhook-topics.json, `signature`): `sha1=` and the hex
 * HMAC-SHA1 of the raw body, keyed with the app's client secret.
 */
export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(rawBody).digest('hex')}`;
}

/** Sends notifications the way Intercom does: one POST of the JSON envelope, signed, 5 s budget. */
export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];

  constructor(
    private readonly clientSecret: string,
    private readonly now: () => number,
  ) {}

  deliver<Item>(
    targetUrl: string,
    input: WebhookInput<Item>,
    options: WebhookOptions = {},
  ): Promise<WebhookDelivery<Item>> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const notification = buildNotificationEvent({
      appId: input.appId,
      topic: input.topic,
      item: input.item,
      id: input.id,
      createdAt: input.createdAt ?? nowSeconds,
      firstSentAt: nowSeconds,
    });
    return this.send(targetUrl, notification, options);
  }

  /** Intercom's retry: same notification id, one more delivery attempt, same first_sent_at. */
  redeliver<Item>(previous: WebhookDelivery<Item>, options: WebhookOptions = {}): Promise<WebhookDelivery<Item>> {
    const notification = { ...previous.notification, delivery_attempts: previous.notification.delivery_attempts + 1 };
    return this.send(previous.targetUrl, notification, { sign: previous.signed, ...options });
  }

  ping(targetUrl: string, appId: string, options: WebhookOptions = {}) {
    return this.deliver(targetUrl, { appId, topic: 'ping', item: buildPingItem(), id: null }, options);
  }

  /** The HEAD request Intercom sends when the webhook URL is saved. */
  async head(
    targetUrl: string,
    timeoutMs = WEBHOOK_TIMEOUT_MS,
  ): Promise<{ status: number; durationMs: number; timedOut: boolean }> {
    const started = performance.now();
    const outcome = await request(
      targetUrl,
      { method: 'HEAD', headers: { 'User-Agent': WEBHOOK_USER_AGENT } },
      timeoutMs,
    );
    return { status: outcome.status, durationMs: performance.now() - started, timedOut: outcome.timedOut };
  }

  private async send<Item>(
    targetUrl: string,
    notification: NotificationEvent<Item>,
    options: WebhookOptions,
  ): Promise<WebhookDelivery<Item>> {
    const rawBody = JSON.stringify(notification);
    const signed = options.sign ?? true;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': WEBHOOK_USER_AGENT,
      ...(signed ? { 'X-Hub-Signature': signWebhookBody(rawBody, options.secret ?? this.clientSecret) } : {}),
      ...options.headers,
    };
    const started = performance.now();
    const outcome = await request(
      targetUrl,
      { method: 'POST', headers, body: rawBody },
      options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    );
    const delivery: WebhookDelivery<Item> = {
      targetUrl,
      ...outcome,
      durationMs: performance.now() - started,
      signed,
      notification,
      rawBody,
      headers,
    };
    this.deliveries.push(delivery as WebhookDelivery);
    return delivery;
  }
}

async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; body: string; timedOut: boolean; error?: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal, redirect: 'manual' });
    const body = await response.text();
    return { status: response.status, body, timedOut: false };
  } catch (error) {
    const timedOut = controller.signal.aborted;
    return { status: 0, body: '', timedOut, error: timedOut ? `no response within ${timeoutMs} ms` : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
