/**
 * Amplitude's HTTP ingestion protocol (HTTP V2, Batch, Identify) as pure functions, shared by the
 * Amplitude simulator and our own Amplitude-compatible ingest endpoints so both answer byte-for-byte alike.
 * The pieces live in small modules; import from here.
 */
export * from './limits';
export * from './event';
export * from './bodies';
export {
  truncateStrings,
  exceedsDepth,
  validateEvents,
  emptyIssues,
  type EventsValidation,
  type ExtraEventCheck,
  type StrippedId,
} from './event-validation';
export * from './parse-upload';
export * from './parse-identify';
export * from './user-properties';
