import { WINDOW_MS } from '../../testkit/simulators/intercom/rate-limit';

/** One request the Intercom simulator logged (the fields the window count needs). */
interface LoggedRequest {
  at: number;
  status?: number;
}

/**
 * How much of Intercom's rate limit a phase used: the simulator spends its per-minute limit in 10-second windows
 * aligned to the clock, so only the windows wholly inside [from, to] count (a partial window at either end would
 * understate the share). `share` is the calls Intercom accepted over the windows' budget.
 */
export function rateWindows(requests: readonly LoggedRequest[], from: number, to: number, windowBudget: number) {
  const firstWindow = Math.ceil(from / WINDOW_MS);
  const lastWindow = Math.floor(to / WINDOW_MS) - 1;
  const windows: { start: string; calls: number; limited: number; share: number }[] = [];
  for (let w = firstWindow; w <= lastWindow; w += 1) {
    const inWindow = requests.filter((r) => Math.floor(r.at / WINDOW_MS) === w);
    const allowed = inWindow.filter((r) => r.status !== 429).length;
    windows.push({
      start: new Date(w * WINDOW_MS).toISOString().slice(11, 19),
      calls: allowed,
      limited: inWindow.length - allowed,
      share: allowed / windowBudget,
    });
  }
  const accepted = windows.reduce((sum, w) => sum + w.calls, 0);
  return {
    windows,
    /** NaN when the phase held no whole window. */
    share: windows.length > 0 ? accepted / (windows.length * windowBudget) : NaN,
    minCalls: windows.length > 0 ? Math.min(...windows.map((w) => w.calls)) : NaN,
    maxCalls: windows.length > 0 ? Math.max(...windows.map((w) => w.calls)) : NaN,
  };
}
