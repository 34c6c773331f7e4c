import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/**
 * Looks for secrets where they must never be: workflow histories, logs and error messages. Histories keep
 * payloads as bytes (base64 in their JSON form), where a secret is visible only after decoding, so every
 * payload is decoded with the default payload converter and searched as plain text, wherever it sits
 * (inputs, results, signals, failures, memos, search attributes, headers) and however deep. Inside what
 * that yields, payload-shaped objects and base64-looking strings are decoded again, so a secret wrapped
 * once more (a payload carried inside a payload, a base64 blob in a field) is found too.
 */
export interface ScanSource {
  /** Where the text came from, for the report: `history <workflowId>/<runId>`, `logs`, … */
  name: string;
  text: string;
}

export interface SecretFinding {
  secret: string;
  source: string;
  /** The text around the secret, with the secret itself masked. */
  context: string;
}

/** Every workflow the query lists (all of the namespace by default), each run's history decoded to plain text. */
export async function workflowHistories(client: Client, query?: string): Promise<ScanSource[]> {
  const sources: ScanSource[] = [];
  for await (const execution of client.workflow.list(query ? { query } : undefined)) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    sources.push({
      name: `history ${execution.type} ${execution.workflowId}/${execution.runId}`,
      text: plainText(history),
    });
  }
  return sources;
}

/** Everything readable in a value: strings as they are, bytes as UTF-8, payloads decoded, recursively. */
export function plainText(value: unknown): string {
  const parts: string[] = [];
  collect(value, parts, 0);
  return parts.join('\n');
}

/** Secrets (by name) found in the sources: each as sent, JSON-escaped and URL-encoded. */
export function findSecrets(sources: readonly ScanSource[], secrets: Record<string, string>): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    if (secret.length < 6) throw new Error(`secret "${name}" is too short to search for meaningfully`);
    const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
    for (const source of sources) {
      for (const form of forms) {
        const at = source.text.indexOf(form);
        if (at < 0) continue;
        const around = source.text.slice(Math.max(0, at - 60), at + form.length + 60);
        findings.push({ secret: name, source: source.name, context: around.split(form).join(`<${name}>`) });
        break;
      }
    }
  }
  return findings;
}

const MAX_DEPTH = 200;
/** Strings worth decoding: long enough to hide something, base64 or base64url alphabet. */
const BASE64 = /^[A-Za-z0-9+/_-]{8,}={0,2}$/;
const BASE64_OR_EMPTY = /^[A-Za-z0-9+/_-]*={0,2}$/;

function collect(value: unknown, parts: string[], depth: number): void {
  if (depth > MAX_DEPTH || value === null || value === undefined) return;
  if (typeof value === 'string') {
    parts.push(value);
    if (BASE64.test(value)) {
      const decoded = Buffer.from(value, 'base64');
      parts.push(decoded.toString('utf8'));
      collectJson(decoded, parts, depth);
    }
    return;
  }
  if (typeof value !== 'object') {
    parts.push(String(value));
    return;
  }
  if (value instanceof Uint8Array) {
    parts.push(Buffer.from(value).toString('utf8'));
    collectJson(value, parts, depth);
    return;
  }
  const serialisedBytes = asSerialisedBytes(value);
  if (serialisedBytes) {
    collect(serialisedBytes, parts, depth + 1);
    return;
  }
  const payload = asPayload(value);
  if (payload) {
    parts.push(...Object.values(payload.metadata).map((bytes) => Buffer.from(bytes).toString('utf8')));
    let decoded: unknown;
    try {
      decoded = defaultPayloadConverter.fromPayload(payload);
    } catch {
      // An encoding the default converter does not know (json/protobuf without the types): read the bytes.
      decoded = payload.data;
    }
    collect(decoded, parts, depth + 1);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    parts.push(key);
    collect(inner, parts, depth + 1);
  }
}

/** Bytes that are JSON (a payload's data, a decoded blob) are walked too, so what they carry is decoded. */
function collectJson(bytes: Uint8Array, parts: string[], depth: number): void {
  const first = bytes[0];
  if (first !== 0x7b && first !== 0x5b) return; // { or [
  try {
    collect(JSON.parse(Buffer.from(bytes).toString('utf8')), parts, depth + 1);
  } catch {
    // not JSON after all
  }
}

/** Bytes that went through JSON.stringify: a Buffer's `{type: 'Buffer', data: [...]}`, a Uint8Array's `{"0": …}`. */
function asSerialisedBytes(value: object): Uint8Array | undefined {
  const isByte = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 256;
  const { type, data } = value as { type?: unknown; data?: unknown };
  if (type === 'Buffer' && Array.isArray(data) && data.every(isByte)) return Uint8Array.from(data as number[]);
  const entries = Object.entries(value);
  if (entries.length === 0 || Array.isArray(value)) return undefined;
  if (!entries.every(([key, byte], i) => key === String(i) && isByte(byte))) return undefined;
  return Uint8Array.from(entries.map(([, byte]) => byte as number));
}

/** A payload in any of its forms: a protobuf message (bytes) or its JSON form (base64 strings). */
function asPayload(value: object): { metadata: Record<string, Uint8Array>; data: Uint8Array } | undefined {
  const { metadata, data } = value as { metadata?: unknown; data?: unknown };
  if (typeof metadata !== 'object' || metadata === null || data === undefined || data === null) return undefined;
  const bytes = (v: unknown) =>
    v instanceof Uint8Array
      ? v
      : typeof v === 'string' && BASE64_OR_EMPTY.test(v)
        ? Buffer.from(v, 'base64')
        : undefined;
  const meta: Record<string, Uint8Array> = {};
  for (const [key, v] of Object.entries(metadata)) {
    const b = bytes(v);
    if (!b) return undefined;
    meta[key] = b;
  }
  if (!meta.encoding) return undefined;
  const body = bytes(data);
  return body ? { metadata: meta, data: body } : undefined;
}
