/**
 * Intercom treats event names case-insensitively and replaces `.` and `$` with `-`
 * (`Completed.Order` is `completed-order`). This is the name it keeps, so our 120-type registry
 * and loop-prevention ledger key on it.
 */
export function normalizeIntercomEventName(name: string): string {
  return name.trim().toLowerCase().replace(/[.$]/g, '-');
}
