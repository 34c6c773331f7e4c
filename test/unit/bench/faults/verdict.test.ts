import { describe, expect, it } from 'vitest';
import { judge, type Attempt, type Crash, type FaultRun, type FaultSeen } from '../../../../bench/faults/verdict';
import {
  chaosFaults,
  kill9Faults,
  killTargets,
  restartFaults,
  type KillRecord,
} from '../../../../bench/faults/fault-checks';
import { random } from '../../../../bench/faults/common';

/**
 * Each fault script's verdict must be able to fail: fed a run that lost an event, one that stored an event
 * twice, one that resent without a fault, one where nothing was acknowledged and one where the faults never
 * happened, it says FAIL; fed a clean run with its faults, PASS.
 */
const T = 1_800_000_000_000;

/** A run of `n` webhooks, each acknowledged and stored once with a single 200 attempt. */
function cleanRun(n: number, faults: FaultSeen[], crashes: Crash[] = []): FaultRun {
  const ids = Array.from({ length: n }, (_, i) => `run-${i}`);
  return {
    acknowledged: ids,
    stored: ids.map((webhookId) => ({ webhookId, insertId: `ins-${webhookId}` })),
    attempts: new Map(ids.map((id, i) => [`ins-${id}`, [{ at: T + i * 10, status: 200 }]])),
    crashes,
    faults,
  };
}

function withAttempts(run: FaultRun, insertId: string, attempts: Attempt[]): FaultRun {
  return { ...run, attempts: new Map([...run.attempts, [insertId, attempts]]) };
}

const lost = (run: FaultRun): FaultRun => ({ ...run, stored: run.stored.slice(1) });
/** The same webhook stored again under another insert_id: what Amplitude's dedupe cannot catch. */
const doubled = (run: FaultRun): FaultRun => ({
  ...run,
  stored: [...run.stored, { webhookId: run.stored[0]!.webhookId, insertId: 'ins-second-copy' }],
  attempts: new Map([...run.attempts, ['ins-second-copy', [{ at: T + 5_000, status: 200 }]]]),
});
/** An event delivered (200) and, long after the faults, sent again with nothing in between to explain it. */
const resentForNothing = (run: FaultRun): FaultRun =>
  withAttempts(run, run.stored[0]!.insertId, [
    { at: T + 60_000, status: 200 },
    { at: T + 90_000, status: 200 },
  ]);
const nothingAcknowledged = (run: FaultRun): FaultRun => ({ ...run, acknowledged: [], stored: [] });

function expectFail(run: FaultRun, reason: RegExp) {
  const verdict = judge(run);
  expect(verdict.ok).toBe(false);
  expect(verdict.failures.join('\n')).toMatch(reason);
}

const scripts: { name: string; faulty: () => { faults: FaultSeen[]; crashes: Crash[] }; faultFree: FaultSeen[] }[] = [
  {
    name: 'kill9',
    faulty: () => {
      const kills: KillRecord[] = [
        { target: 'api', at: T + 100, landed: true, refusedWhileDown: 12 },
        { target: 'worker', at: T + 200, landed: true, refusedWhileDown: 0 },
      ];
      return { faults: kill9Faults(kills, 2), crashes: [{ at: T + 200, what: 'worker killed' }] };
    },
    faultFree: kill9Faults([], 2),
  },
  {
    name: 'amplitude-chaos',
    faulty: () => {
      const injected = {
        '429': 3,
        '500': 2,
        '502': 1,
        '503': 4,
        '504': 1,
        '500 after handling': 1,
        '502 after handling': 1,
        '504 after handling': 2,
        'outage 503': 40,
      };
      const attempts = new Map([
        [
          'ins-run-0',
          [
            { at: T, status: 502 },
            { at: T + 1_000, status: 200 },
          ],
        ],
      ]);
      return { faults: chaosFaults(injected, { attempts }), crashes: [] };
    },
    faultFree: chaosFaults({}, { attempts: new Map() }),
  },
  {
    name: 'restarts',
    faulty: () => ({
      faults: restartFaults({ temporalKilled: true, postgresDown: true, refusedWhilePostgresDown: 30 }),
      crashes: [{ at: T + 300, what: 'Postgres stopped -m immediate' }],
    }),
    faultFree: restartFaults({ temporalKilled: false, postgresDown: false, refusedWhilePostgresDown: 0 }),
  },
];

describe.each(scripts)('fault verdict of $name', ({ faulty, faultFree }) => {
  const good = () => {
    const { faults, crashes } = faulty();
    return cleanRun(50, faults, crashes);
  };

  it('passes a run where every acknowledged webhook arrived once and the faults happened', () => {
    const verdict = judge(good());
    expect(verdict.failures).toEqual([]);
    expect(verdict).toMatchObject({ ok: true, acknowledged: 50, delivered: 50, lost: 0, storedTwice: 0 });
  });

  it('fails a run that lost an acknowledged webhook', () => {
    expectFail(lost(good()), /1 acknowledged webhooks never reached Amplitude/);
    expect(judge(lost(good())).lostIds).toEqual(['run-0']);
  });

  it('fails a run that stored a webhook twice', () => {
    expectFail(doubled(good()), /1 webhooks stored twice/);
  });

  it('fails a run that resent a delivered event with no fault in between', () => {
    expectFail(resentForNothing(good()), /1 resends with no fault before them/);
  });

  it('fails a run in which nothing was acknowledged', () => {
    expectFail(nothingAcknowledged(good()), /nothing was acknowledged/);
  });

  it('fails a run in which the faults did not happen', () => {
    const run = cleanRun(50, faultFree);
    expectFail(run, /fault did not happen/);
    // Every fault the script relies on is named.
    expect(judge(run).failures.filter((f) => f.startsWith('fault did not happen'))).toHaveLength(faultFree.length);
  });
});

describe('resends and their explanations', () => {
  const base = cleanRun(3, []);
  const insertId = base.stored[0]!.insertId;

  it('explains a resend after an answer that was not a 2xx (stored, then 500/502/504) or no answer at all', () => {
    for (const first of [{ status: 500 }, { status: 504 }, {}]) {
      const verdict = judge(
        withAttempts(base, insertId, [
          { at: T, ...first },
          { at: T + 9_000, status: 200 },
        ]),
      );
      expect(verdict).toMatchObject({ ok: true, resent: 1, resentExplained: 1, unexplainedResends: 0 });
    }
  });

  it('explains a resend after a 200 only by a crash between the two attempts', () => {
    const twice = withAttempts(base, insertId, [
      { at: T, status: 200 },
      { at: T + 9_000, status: 200 },
    ]);
    expect(judge({ ...twice, crashes: [{ at: T + 4_000, what: 'worker killed' }] }).ok).toBe(true);
    expect(judge({ ...twice, crashes: [{ at: T - 10_000, what: 'worker killed' }] }).unexplainedResends).toBe(1);
    expect(judge({ ...twice, crashes: [{ at: T + 10_000, what: 'worker killed' }] }).unexplainedResends).toBe(1);
  });

  it('counts resends apart from copies stored twice', () => {
    const verdict = judge(
      withAttempts(base, insertId, [
        { at: T, status: 502 },
        { at: T + 1_000, status: 200 },
        { at: T + 2_000, status: 200 },
      ]),
    );
    expect(verdict).toMatchObject({ resent: 2, resentExplained: 1, unexplainedResends: 1, storedTwice: 0 });
  });
});

describe('kill targets', () => {
  it('always include both the api and the worker, the same for the same seed', () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const targets = killTargets(4, random(seed));
      expect(new Set(targets)).toEqual(new Set(['api', 'worker']));
      expect(killTargets(4, random(seed))).toEqual(targets);
    }
  });
});
