import type { AmplitudeEvent as ProtocolEvent } from '../amplitude/protocol/event';

/** The fields of an Amplitude event (the protocol type) that the destination reads. */
type ReadFields = 'user_id' | 'device_id' | 'time' | 'event_id' | 'insert_id' | 'event_properties' | 'user_properties';

/**
 * An event row's payload: the parts of an Amplitude HTTP V2 event (the protocol's `AmplitudeEvent`) the
 * destination reads. Fields are also nullable because SDKs send null freely; the ingestion endpoint has
 * already checked the event's shape.
 */
export type IngestedEvent = Pick<ProtocolEvent, 'event_type'> & { [K in ReadFields]?: ProtocolEvent[K] | null };

/**
 * An identify row's payload: a user-property update as the identify parser hands it over, whether it came from a `$identify`
 * event or a call to /identify: operations already split, `$unset` reduced to property names.
 */
export interface NormalizedIdentify {
  userId?: string;
  deviceId?: string;
  set: Record<string, unknown>;
  setOnce: Record<string, unknown>;
  unset: string[];
}
