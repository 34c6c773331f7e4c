import { exceedsDepth, MAX_OBJECT_DEPTH, type AmplitudeEvent, type Identification } from '../amplitude/protocol';

/**
 * Amplitude's Webhook streaming destination posts one event per request in the Export API's event
 * format (`event_time` as "2022-02-28 20:07:01.795" UTC, `$insert_id`, `uuid`, …), or one user in the
 * Identify format. This turns either into what our ingestion stores, so a project can stream to us
 * without an SDK change. Pure.
 */
export type ExportPayload =
  { kind: 'event'; event: AmplitudeEvent } | { kind: 'identify'; identification: Identification };

export type ExportParseResult = { ok: true; payload: ExportPayload } | { ok: false; error: string };

const EXPORT_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z?$/;

/** Export times are UTC without a zone ("2022-02-28 20:07:01.795"); ISO strings are accepted too. */
export function parseExportTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const match = EXPORT_TIME.exec(value.trim());
  const ms = match ? Date.parse(`${match[1]}T${match[2]!.slice(0, 12)}Z`) : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const object = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export function parseExportPayload(body: unknown): ExportParseResult {
  const input = object(body);
  if (!input)
    return { ok: false, error: 'expected one JSON object (an Export-format event or an Identify-format user)' };
  // Amplitude's own limit on properties; deeper values could not be stored or read back safely.
  if (exceedsDepth(input, MAX_OBJECT_DEPTH + 1))
    return { ok: false, error: `nested deeper than ${MAX_OBJECT_DEPTH} levels` };
  const userId = text(input.user_id);
  const deviceId = text(input.device_id);
  if (!userId && !deviceId) return { ok: false, error: 'user_id or device_id is required' };

  const eventType = text(input.event_type);
  if (!eventType) {
    const userProperties = object(input.user_properties);
    if (!userProperties) return { ok: false, error: 'event_type is required (or user_properties, for a user)' };
    return {
      ok: true,
      payload: {
        kind: 'identify',
        identification: {
          ...(userId ? { user_id: userId } : {}),
          ...(deviceId ? { device_id: deviceId } : {}),
          user_properties: userProperties,
        },
      },
    };
  }
  const time = parseExportTime(input.event_time ?? input.client_event_time ?? input.server_upload_time);
  const eventId = typeof input.event_id === 'number' ? input.event_id : undefined;
  const event: AmplitudeEvent = {
    event_type: eventType,
    ...(userId ? { user_id: userId } : {}),
    ...(deviceId ? { device_id: deviceId } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(eventId !== undefined ? { event_id: eventId } : {}),
    // Amplitude retries a webhook up to 10 times: its ids make the retries collapse into one row.
    ...((text(input.$insert_id) ?? text(input.insert_id) ?? text(input.uuid))
      ? { insert_id: text(input.$insert_id) ?? text(input.insert_id) ?? text(input.uuid) }
      : {}),
    ...(object(input.event_properties) ? { event_properties: object(input.event_properties) } : {}),
    ...(object(input.user_properties) ? { user_properties: object(input.user_properties) } : {}),
  };
  return { ok: true, payload: { kind: 'event', event } };
}
