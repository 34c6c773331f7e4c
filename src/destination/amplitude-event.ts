/**
 * The parts of an Amplitude HTTP V2 event the destination reads. Fields are optional and nullable
 * because SDKs omit them freely; the ingestion endpoint has already checked the event's shape.
 */
export interface AmplitudeEvent {
  event_type: string;
  user_id?: string | null;
  device_id?: string | null;
  /** Milliseconds since the epoch. */
  time?: number | null;
  event_id?: number | null;
  insert_id?: string | null;
  event_properties?: Record<string, unknown> | null;
  user_properties?: Record<string, unknown> | null;
}

/**
 * A user-property update as the identify parser hands it over, whether it came from a `$identify`
 * event or a call to /identify: operations already split, `$unset` reduced to property names.
 */
export interface NormalizedIdentify {
  userId?: string;
  deviceId?: string;
  set: Record<string, unknown>;
  setOnce: Record<string, unknown>;
  unset: string[];
}
