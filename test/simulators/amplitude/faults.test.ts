import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DOCUMENTED } from '../../../testkit/simulators/amplitude';
import { UPLOAD_PATHS } from '../../../testkit/simulators/amplitude';
import { event, postUpload, startSimulator, upload, type Started } from './helpers';

describe('Amplitude simulator: faults', () => {
  let s: Started;
  beforeEach(async () => {
    s = await startSimulator();
  });
  afterEach(() => s.sim.close());

  it.each([
    [500, 'Internal Server Error', true],
    [502, 'Bad Gateway', true],
    [503, 'Service Unavailable', false],
    [504, 'Gateway Timeout', true],
  ])(
    '%i: answers Amplitude-shaped JSON, ingests nothing; a retry is stored',
    async (status, error, mayHaveIngested) => {
      // Which 5xx "may have been ingested" is documented; this fault is the kind that did not ingest.
      expect(DOCUMENTED.serverErrors.mayHaveIngested.statuses.includes(status)).toBe(mayHaveIngested);
      s.sim.faults.failNext(1, status);
      const events = [event()];
      const answer = await postUpload(s.url, upload(events));
      expect([answer.status, answer.json]).toEqual([status, { code: status, error }]);
      expect(s.sim.events).toHaveLength(0);
      expect((await postUpload(s.url, upload(events))).status).toBe(200);
      expect(s.sim.events).toHaveLength(1);
    },
  );

  it("403: a WAF block answers Amplitude's documented body", async () => {
    s.sim.faults.failNext(1, 403, { path: '/2/httpapi' });
    const answer = await postUpload(s.url, upload([event()]));
    expect([answer.status, answer.json]).toEqual([403, DOCUMENTED.responses.forbidden.body]);
  });

  it('a bare 429 fault throttles the whole request', async () => {
    s.sim.faults.failNext(2, 429);
    const answer = await postUpload(s.url, upload([event(), event()]));
    // Names nobody: the documented 429's fields, empty, so a sender treats the whole request as throttled.
    expect(answer.json).toEqual({
      ...DOCUMENTED.responses.throttled.body,
      eps_threshold: 0,
      throttled_events: [],
      throttled_users: {},
      throttled_devices: {},
    });
    expect(s.sim.faults.injected).toEqual({ 429: 1 });
  });

  it('chaos fails a share of requests with the listed statuses; outage fails them all', async () => {
    // Each request draws once for "fail?"; a failing one draws again to pick the status.
    const sequence = [0.1, 0.1, 0.9, 0.1, 0.9];
    s.sim.faults.chaos({ rate: 0.3, statuses: [500, 503], random: () => sequence.shift() ?? 0.99 });
    const first = await postUpload(s.url, upload([event()]));
    const second = await postUpload(s.url, upload([event()]));
    const third = await postUpload(s.url, upload([event()]));
    expect([first.status, second.status, third.status]).toEqual([500, 200, 503]);

    s.sim.faults.chaos(undefined).outage(60_000);
    expect((await postUpload(s.url, upload([event()]))).json).toEqual({ code: 503, error: 'Service Unavailable' });
    s.sim.faults.clear();
    expect((await postUpload(s.url, upload([event()]))).status).toBe(200);
    expect(s.sim.statusCounts).toEqual({ 200: 2, 500: 1, 503: 2 });
  });

  it('a hang lets the client time out, and the request is still logged', async () => {
    s.sim.faults.add({ hang: true });
    await expect(
      fetch(`${s.url}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(upload([event({ insert_id: 'hung-1' })])),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect(s.sim.requests.at(-1)?.body).toMatchObject({ events: [{ insert_id: 'hung-1' }] });
    expect(s.sim.deliveriesOf('hung-1')).toBe(0);
  });

  it('stored, then failed: an after-handling fault stores the events and answers the failure, on any upload path', async () => {
    s.sim.faults.add({ path: UPLOAD_PATHS, status: 504, afterHandling: true, times: 2 });
    const viaBatch = await postUpload(s.url, upload([event({ insert_id: 'after-1' })]), { path: '/batch' });
    expect([viaBatch.status, viaBatch.json]).toEqual([504, { code: 504, error: 'Gateway Timeout' }]);
    const viaHttpApi = await postUpload(s.url, upload([event({ insert_id: 'after-2' })]));
    expect(viaHttpApi.status).toBe(504);
    expect(s.sim.events.map((e) => e.event.insert_id)).toEqual(['after-1', 'after-2']);
    expect(s.sim.attemptsOf('after-1')).toEqual([{ at: expect.any(Number), endpoint: 'batch', status: 504 }]);
    expect(s.sim.faults.injected).toEqual({ '504 after handling': 2 });
  });

  it('an after-handling fault lets a refusal through: nothing stored, nothing replaced', async () => {
    s.sim.faults.add({ status: 500, afterHandling: true });
    const refused = await postUpload(s.url, upload([event({ time: 'yesterday' as unknown as number })]));
    expect(refused.status).toBe(400);
    expect(s.sim.events).toHaveLength(0);
    expect(s.sim.faults.injected).toEqual({});
  });

  it("chaos stores then fails a share of the requests it lets through, and records each attempt's answer", async () => {
    // Draws: "fail before?" (no), "fail after?" (yes), which status; then a request that passes both draws.
    const sequence = [0.9, 0.05, 0.99, 0.9, 0.9];
    s.sim.faults.chaos({
      rate: 0.3,
      statuses: [503],
      afterHandlingRate: 0.1,
      afterHandlingStatuses: [500, 502],
      path: UPLOAD_PATHS,
      random: () => sequence.shift() ?? 0.99,
    });
    const failed = await postUpload(s.url, upload([event({ insert_id: 'chaos-1' })]), { path: '/batch' });
    expect(failed.status).toBe(502);
    const resent = await postUpload(s.url, upload([event({ insert_id: 'chaos-1' })]), { path: '/batch' });
    expect(resent.status).toBe(200);
    expect(s.sim.attemptsOf('chaos-1').map((a) => a.status)).toEqual([502, 200]);
    expect(s.sim.events).toHaveLength(1);
    expect(s.sim.duplicateCount).toBe(1);
  });

  it('stored, then hung: the client times out, the attempt is recorded with no answer', async () => {
    s.sim.faults.add({ path: UPLOAD_PATHS, hang: true, afterHandling: true });
    await expect(
      fetch(`${s.url}/2/httpapi`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(upload([event({ insert_id: 'cut-1' })])),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect(s.sim.events.map((e) => e.event.insert_id)).toEqual(['cut-1']);
    expect(s.sim.attemptsOf('cut-1')).toEqual([{ at: expect.any(Number), endpoint: 'httpapi' }]);
    expect(s.sim.faults.injected).toEqual({ 'hang after handling': 1 });
  });
});
