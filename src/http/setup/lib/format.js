// How numbers, times and lists are written on the page.

export function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function count(n) {
  return typeof n === 'number' ? n.toLocaleString() : '0';
}

/** The total of a record of counts (e.g. dropped events by reason). */
export function sum(record) {
  return Object.values(record || {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
}

/** "1 event", "3 events". */
export function plural(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** Comma-separated names as typed: trimmed, empty entries dropped (duplicates are for the API to judge). */
export function list(text) {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Per-key difference `now - before` of two count records, keeping keys with a positive difference. */
export function countsSince(now, before) {
  const result = {};
  for (const [key, value] of Object.entries(now || {})) {
    const diff = (typeof value === 'number' ? value : 0) - ((before && before[key]) || 0);
    if (diff > 0) result[key] = diff;
  }
  return result;
}
