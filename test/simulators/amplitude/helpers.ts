import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  createAmplitudeSimulator,
  type ReceivedEvent,
  type AmplitudeSimulator,
  type AmplitudeSimulatorOptions,
} from '../../../testkit/simulators/amplitude';

export const API_KEY = 'test-api-key-0001';
export const T0 = 1_700_000_000_000;

/** A simulator on a free port with a clock the test moves by hand. */
export async function startSimulator(options: AmplitudeSimulatorOptions = {}) {
  const clock = { now: T0 };
  const sim = createAmplitudeSimulator({ now: () => clock.now, ...options });
  const url = await sim.listen();
  return { sim, url, clock };
}

export type Started = Awaited<ReturnType<typeof startSimulator>>;

export function event(overrides: Partial<ReceivedEvent> = {}): ReceivedEvent {
  return {
    event_type: '[Intercom] conversation.user.created',
    user_id: 'user-00001',
    time: T0,
    insert_id: randomUUID(),
    ...overrides,
  };
}

export interface HttpAnswer {
  status: number;
  text: string;
  json: Record<string, unknown>;
  contentType: string | null;
}

export async function send(url: string, init: RequestInit): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // non-JSON answers (identify's "success") are checked through `text`
  }
  return { status: response.status, text, json, contentType: response.headers.get('content-type') };
}

export interface UploadOptions {
  path?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

export function postUpload(
  baseUrl: string,
  body: unknown,
  { path = '/2/httpapi', gzip = false, headers = {} }: UploadOptions = {},
): Promise<HttpAnswer> {
  const json = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return send(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(gzip && { 'content-encoding': 'gzip' }), ...headers },
    body: gzip ? gzipSync(json) : json,
  });
}

export function upload(events: ReceivedEvent[], extra: Record<string, unknown> = {}) {
  return { api_key: API_KEY, events, ...extra };
}

export type { AmplitudeSimulator };
