// What must not outlive this tab's memory: single-use authorize URLs, ingest keys shown once, and the form
// one screen asks the next to open.
export const memory = {
  /** connectionId → the authorize URL answered by creation (single use). */
  authorizeUrls: new Map(),
  /** connectionId → { key, endpoints } of a sync just created, shown once. */
  ingestKeys: new Map(),
  /** A creation form the list should open (Reconnect opens the source form for the same project). */
  open: null,
};
