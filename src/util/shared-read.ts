/**
 * Wraps a read so its callers share it: calls while it runs get the same answer, and so do calls within `maxAgeMs`
 * of its start (failures included). What a public endpoint reads from Postgres or Temporal for anyone who asks
 * (/readyz, the connection counts of /metrics) then costs at most one read per interval, however many ask at once.
 */
export function sharedRead<T>(
  read: () => Promise<T>,
  options: { maxAgeMs: number; now?: () => number },
): () => Promise<T> {
  const now = options.now ?? Date.now;
  let current: { startedAt: number; settled: boolean; answer: Promise<T> } | undefined;
  return () => {
    if (current && (!current.settled || now() - current.startedAt < options.maxAgeMs)) return current.answer;
    const entry = { startedAt: now(), settled: false, answer: Promise.resolve().then(read) };
    const settle = () => {
      entry.settled = true;
    };
    entry.answer.then(settle, settle);
    current = entry;
    return entry.answer;
  };
}
