import { createHash } from 'node:crypto';

/**
 * One event as sent to HTTP V2 or Batch (https://amplitude.com/docs/apis/analytics/http-v2, "Keys for the event argument"). Unknown keys are allowed and kept:
 * SDKs add their own (library, ingestion_metadata, …) and Amplitude stores them.
 */
export interface AmplitudeEvent extends DeviceContext {
  event_type: string;
  user_id?: string;
  device_id?: string;
  /** Milliseconds since the epoch; the upload time when absent. */
  time?: number;
  event_properties?: Record<string, unknown>;
  user_properties?: Record<string, unknown>;
  groups?: Record<string, unknown>;
  group_properties?: Record<string, unknown>;
  insert_id?: string;
  /** Session start in ms; -1 means no session. */
  session_id?: number;
  event_id?: number;
  /** `$remote` means the request's IP. */
  ip?: string;
  user_agent?: string;
  price?: number;
  quantity?: number;
  revenue?: number;
  productId?: string;
  revenueType?: string;
  currency?: string;
  location_lat?: number;
  location_lng?: number;
  idfa?: string;
  idfv?: string;
  adid?: string;
  android_id?: string;
  android_app_set_id?: string;
  partner_id?: string;
  library?: string;
  plan?: { branch?: string; source?: string; version?: string };
  ingestion_metadata?: { source_name?: string; source_version?: string };
  $skip_user_properties_sync?: boolean;
  [key: string]: unknown;
}

export interface UploadOptions {
  min_id_length: number;
}

/** One identification of the Identify API (https://amplitude.com/docs/apis/analytics/identify). */
export interface Identification extends DeviceContext {
  user_id?: string;
  device_id?: string;
  user_properties?: Record<string, unknown>;
  groups?: Record<string, unknown>;
  paying?: string;
  start_version?: string;
  [key: string]: unknown;
}

/** Device and location fields (strings) that events and identifications alike carry. */
export const DEVICE_FIELDS = [
  'app_version',
  'platform',
  'os_name',
  'os_version',
  'device_brand',
  'device_manufacturer',
  'device_model',
  'carrier',
  'country',
  'region',
  'city',
  'dma',
  'language',
] as const;

/** The device and location fields events and identifications both carry. */
export type DeviceContext = { [K in (typeof DEVICE_FIELDS)[number]]?: string };

/**
 * The device id Amplitude dedupes on. Without a device_id Amplitude uses a hash of user_id, so
 * user-only events still dedupe per user; the hash itself is not documented, any stable one will do.
 */
export function effectiveDeviceId(event: Pick<AmplitudeEvent, 'user_id' | 'device_id'>): string | undefined {
  if (event.device_id) return event.device_id;
  if (!event.user_id) return undefined;
  return `uid-hash:${createHash('sha256').update(event.user_id).digest('hex').slice(0, 32)}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
