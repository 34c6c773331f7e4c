/**
 * Connection and workflow ids. A source connection is one per Amplitude project, so its ids are
 * derived from the project; a destination sync gets a random id. The workflow id is always
 * `intercom-<connection id>`, meaningful in the Temporal UI and derivable without a lookup.
 */
export function sourceConnectionId(amplitudeProjectId: string): string {
  return `source-${amplitudeProjectId}`;
}

export function workflowIdFor(connectionId: string): string {
  return `intercom-${connectionId}`;
}

/** Amplitude project ids are numeric; we accept any short slug so tests and other tools can name projects. */
export const PROJECT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
