import { parseArgs } from 'node:util';
import { startStack } from '../testkit/stack';
import { report, round } from './lib/report';
import { fmt, repeat, RUNS_OPTION, runCount, summarise, type Spread, fmtPercent } from './lib/runs';
import { ForeignWatch, warnAboutForeign } from './lib/foreign';
import { rateWindows } from './lib/rate-windows';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../testkit/destination-flow';

/**
 * Amplitude → Intercom against the Intercom simulator with a known REST limit (per minute, spent in
 * 10-second windows of limit/6, per workspace). A destination sync sends every event to the
 * contact found by the `email` user property; N contacts exist.
 *   A. warm-up: one event per contact, so the identity cache knows every contact;
 *   B. --events events spread over those contacts, ingested in batches through /2/httpapi, measured:
 *      Intercom calls per event (only calls made during B), the share of the rate limit used in the
 *      windows wholly inside B (calls ÷ window budget), 429s, and events/s delivered;
 *   C. Create & Update Users: one identify per contact (warm-up), then --identifies identifies of which
 *      --repeat-rate repeat the contact's last values (SDKs identify on every session): Intercom calls
 *      per identify, measured.
 * Runs --runs times (default 3), each from a fresh stack; figures are medians with min and max.
 */
const { values } = parseArgs({
  options: {
    'rate-limit': { type: 'string', default: '6000' },
    contacts: { type: 'string', default: '500' },
    events: { type: 'string', default: '6000' },
    batch: { type: 'string', default: '500' },
    identifies: { type: 'string', default: '2000' },
    'repeat-rate': { type: 'string', default: '0.8' },
    ...RUNS_OPTION,
  },
});
const runs = runCount(values.runs);
const limitPerMinute = Number(values['rate-limit']);
const contacts = Number(values.contacts);
const eventCount = Number(values.events);
const batchSize = Number(values.batch);
const identifyCount = Number(values.identifies);
const repeatRate = Number(values['repeat-rate']);
const windowBudget = Math.max(1, Math.floor(limitPerMinute / 6));
const EVENT_NAMES = ['Viewed Page', 'Clicked Button', 'Purchased', 'Searched', 'Shared'];

interface DestinationRun {
  metrics: Record<string, number>;
  detail: Record<string, unknown>;
  foreign: string[];
}

/** One run from scratch (its own stack and simulator windows). */
async function measureOnce(): Promise<DestinationRun> {
  const foreign = new ForeignWatch();
  foreign.sample();
  const stack = await startStack();
  try {
    stack.intercom.setRateLimit(limitPerMinute);
    const sync = await createSync(stack, undefined, 'Destination bench');
    stack.intercom.seedContacts(
      sync.appId,
      Array.from({ length: contacts }, (_, i) => ({
        role: 'user' as const,
        externalId: `bench-${i}`,
        email: `bench-${i}@example.com`,
        name: `Bench ${i}`,
      })),
    );
    const settings = await updateSettings(stack, sync.connectionId, {
      sendEvents: { enabled: true, eventFilter: { allEvents: true }, eventProperties: ['plan'] },
      mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
      status: 'enabled',
    });
    if (settings.status !== 200)
      throw new Error(`settings answered ${settings.status}: ${JSON.stringify(settings.body)}`);

    const event = (i: number) =>
      amplitudeEvent(EVENT_NAMES[i % EVENT_NAMES.length]!, {
        user_id: `amp-${i % contacts}`,
        user_properties: { email: `bench-${i % contacts}@example.com` },
        event_properties: { plan: i % 2 ? 'pro' : 'free' },
      });
    const send = async (from: number, count: number) => {
      for (let at = 0; at < count; at += batchSize) {
        const events = Array.from({ length: Math.min(batchSize, count - at) }, (_, k) => event(from + at + k));
        const answer = await ingest(stack, sync.ingestKey, events);
        if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    };
    const delivered = () => stack.intercom.events(sync.appId).length;
    const waitDelivered = async (target: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (delivered() < target) {
        if (Date.now() > deadline) throw new Error(`only ${delivered()} of ${target} events delivered in time`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return Date.now();
    };
    // Generous: every call at the full limit, twice over, plus a minute.
    const timeoutFor = (calls: number) => (calls / (limitPerMinute / 60)) * 2_000 + 60_000;

    // A. Warm-up: one event per contact (a search and an event each).
    foreign.sample();
    await send(0, contacts);
    await waitDelivered(contacts, timeoutFor(2 * contacts));
    await waitForSync(stack, sync.connectionId, (s) => s.sent === contacts && s.pending === 0, 30_000);

    // B. Measured.
    foreign.sample();
    const statsBefore = stack.intercom.rateLimitStats(sync.appId);
    const logFrom = stack.intercom.requests.length;
    const t0 = Date.now();
    await send(contacts, eventCount);
    const ingestedAt = Date.now();
    const tEnd = await waitDelivered(contacts + eventCount, timeoutFor(eventCount));
    foreign.sample();
    const statsAfter = stack.intercom.rateLimitStats(sync.appId);
    const status = await waitForSync(stack, sync.connectionId, (s) => s.pending === 0, 30_000);

    const calls = statsAfter.calls - statsBefore.calls;
    const limited = statsAfter.limited - statsBefore.limited;
    const ours = stack.intercom.requests
      .slice(logFrom)
      .filter((r) => r.headers.authorization === `Bearer ${sync.token}` && r.at >= t0 && r.at <= tEnd);
    const byEndpoint = countBy(ours, (r) => `${r.method} ${r.path} ${r.status}`);

    // Steady state: the simulator's windows (aligned to the clock) wholly inside phase B.
    const { windows, share: steadyShare, minCalls, maxCalls } = rateWindows(ours, t0, tEnd, windowBudget);
    const seconds = (tEnd - t0) / 1000;

    // C. Create & Update Users with repeats.
    foreign.sample();
    const identifies = identifyCount > 0 ? await identifyPhase(stack, sync, timeoutFor) : undefined;

    return {
      metrics: {
        ...(identifies
          ? { callsPerIdentify: identifies.callsPerIdentify, identifiesUnchanged: identifies.unchanged }
          : {}),
        callsPerEvent: calls / eventCount,
        steadyShare,
        limited,
        eventsPerSecond: eventCount / seconds,
        deliverySeconds: seconds,
        ingestSeconds: (ingestedAt - t0) / 1000,
        minCallsPerWindow: minCalls,
        maxCallsPerWindow: maxCalls,
      },
      detail: { calls, windows, callsByEndpoint: byEndpoint, counters: status.counters },
      foreign: foreign.list,
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  const results = await repeat(runs, () => measureOnce());
  const summary = summarise(results.map((r) => r.metrics));
  const pct = (s: Spread | undefined) => fmtPercent(s, 1);
  const rows: [string, string | number, string?][] = [
    ['runs (median, min–max)', runs],
    ['rate limit (calls/min; per 10 s window)', `${limitPerMinute}; ${windowBudget}`],
    ['contacts / events in phase B', `${contacts} / ${eventCount}`],
    ['Intercom calls per event (phase B)', fmt(summary.callsPerEvent, 4), 'target ≤ 1.05'],
    ['share of the limit used, whole windows of B', pct(summary.steadyShare) ?? 'n/a', 'target ≥ 90%'],
    ['calls per window (min / max)', `${fmt(summary.minCallsPerWindow)} / ${fmt(summary.maxCallsPerWindow)}`],
    ['429s (phase B)', fmt(summary.limited), 'target 0'],
    ['events delivered/s (phase B)', fmt(summary.eventsPerSecond, 1)],
    ['limit allows (events/s at 1 call per event)', round(limitPerMinute / 60, 1)],
    [
      'phase B: ingest took / delivery took (s)',
      `${fmt(summary.ingestSeconds, 1)} / ${fmt(summary.deliverySeconds, 1)}`,
    ],
    ...(summary.callsPerIdentify
      ? ([
          [
            `Intercom calls per identify, ${Math.round(repeatRate * 100)} % unchanged repeats (phase C)`,
            fmt(summary.callsPerIdentify, 4),
            'target ≤ 0.25',
          ],
        ] as [string, string | number, string?][])
      : []),
  ];
  const foreign = [...new Set(results.flatMap((r) => r.foreign))];
  report('destination', rows, {
    runs,
    limitPerMinute,
    windowBudget,
    contacts,
    events: eventCount,
    batch: batchSize,
    summary,
    perRun: results.map((r) => ({ metrics: r.metrics, ...r.detail })),
    foreignProcesses: foreign,
    identifies: identifyCount,
    repeatRate,
    targets: { callsPerEvent: 1.05, steadyShare: 0.9, limited: 0, callsPerIdentify: 0.25 },
  });
  warnAboutForeign(foreign);
}

/**
 * Phase C. Identifies carry the contact's email (the sync's mapping) and a selected `plan`; one per
 * contact first, so the measured part sees contacts we have synced, as a running service does.
 */
async function identifyPhase(
  stack: Awaited<ReturnType<typeof startStack>>,
  sync: Awaited<ReturnType<typeof createSync>>,
  timeoutFor: (calls: number) => number,
) {
  const enabled = await updateSettings(stack, sync.connectionId, {
    createUpdateUsers: { enabled: true, userProperties: ['plan'] },
  });
  if (enabled.status !== 200) throw new Error(`settings answered ${enabled.status}: ${JSON.stringify(enabled.body)}`);
  const plans = Array.from({ length: contacts }, () => 'free');
  const identify = (contact: number) =>
    amplitudeEvent('$identify', {
      user_id: `amp-${contact}`,
      user_properties: { $set: { email: `bench-${contact}@example.com`, plan: plans[contact] } },
    });
  const counted = (s: { counters: Record<string, number> }) =>
    (s.counters.identified ?? 0) + (s.counters.identifies_unchanged ?? 0);
  const send = async (events: Record<string, unknown>[]) => {
    for (let at = 0; at < events.length; at += batchSize) {
      const answer = await ingest(stack, sync.ingestKey, events.slice(at, at + batchSize));
      if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
  };

  await send(Array.from({ length: contacts }, (_, contact) => identify(contact)));
  const warm = await waitForSync(stack, sync.connectionId, (s) => counted(s) === contacts, timeoutFor(2 * contacts));
  const before = { calls: stack.intercom.rateLimitStats(sync.appId).calls, counters: warm.counters };

  // A fixed sequence (not Math.random) so runs compare: exactly (1 - repeat rate) of the identifies change a plan.
  const changeRate = 1 - repeatRate;
  const measured = Array.from({ length: identifyCount }, (_, i) => {
    const contact = i % contacts;
    if (Math.floor((i + 1) * changeRate) > Math.floor(i * changeRate)) plans[contact] = `plan-${i}`;
    return identify(contact);
  });
  await send(measured);
  const done = await waitForSync(
    stack,
    sync.connectionId,
    (s) => counted(s) === contacts + identifyCount && s.pending === 0,
    timeoutFor(2 * identifyCount),
  );
  const calls = stack.intercom.rateLimitStats(sync.appId).calls - before.calls;
  const unchanged = (done.counters.identifies_unchanged ?? 0) - (before.counters.identifies_unchanged ?? 0);
  return { calls, callsPerIdentify: calls / identifyCount, unchanged, changed: identifyCount - unchanged };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
