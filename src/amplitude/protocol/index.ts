/**
 * Amplitude's HTTP ingestion protocol (HTTP V2, Batch, Identify) as pure functions, for our own
 * Amplitude-compatible ingest endpoints. The Amplitude simulator reads Amplitude's documentation with code
 * of its own (testkit/simulators/amplitude), and test/unit/amplitude/documented.test.ts compares the two.
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
