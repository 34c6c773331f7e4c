import { describe, expect, it } from 'vitest';
import { uploadEvents } from '../../../../src/amplitude/client/upload-events';
import { throttledBody, invalidEventsBody, tooLargeBody, successBody } from '../../../../src/amplitude/protocol';

/** A fetch that answers each request with the next scripted response, recording what was sent. */
function scripted(answers: ((events: { user_id: string }[]) => { status: number; body: unknown })[]) {
  const sent: { user_id: string }[][] = [];
  const fake = (async (_url: string, init: { body: string }) => {
    const events = JSON.parse(init.body).events as { user_id: string }[];
    sent.push(events);
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    const { status, body } = next(events);
    return new Response(JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { fake, sent };
}

const items = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    ref: i,
    event: { event_type: 'e', user_id: `user-${i}`, insert_id: `i${i}` },
  }));

describe('uploadEvents', () => {
  it('delivers everything on 200 in one request', async () => {
    const { fake, sent } = scripted([(e) => ({ status: 200, body: successBody(e.length, 100, 1) })]);
    const result = await uploadEvents(items(3), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(result.delivered).toEqual([0, 1, 2]);
    expect(sent).toHaveLength(1);
  });

  it('drops only the events a 400 names, with the reason, and resends the rest', async () => {
    const { fake, sent } = scripted([
      () => ({
        status: 400,
        body: invalidEventsBody({ invalidFields: { time: [1] }, missingFields: {}, invalidIdLengths: {} }),
      }),
      (e) => ({ status: 200, body: successBody(e.length, 100, 1) }),
    ]);
    const result = await uploadEvents(items(3), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(result.dropped).toEqual([{ ref: 1, reason: expect.stringMatching(/^amplitude_invalid_field:time/) }]);
    expect(result.delivered).toEqual([0, 2]);
    expect(sent[1]!.map((e) => e.user_id)).toEqual(['user-0', 'user-2']);
  });

  it('splits on 413 until the halves fit', async () => {
    const { fake, sent } = scripted([
      () => ({ status: 413, body: tooLargeBody() }),
      (e) => ({ status: 200, body: successBody(e.length, 100, 1) }),
      (e) => ({ status: 200, body: successBody(e.length, 100, 1) }),
    ]);
    const result = await uploadEvents(items(4), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(result.delivered.sort()).toEqual([0, 1, 2, 3]);
    expect(sent.map((s) => s.length)).toEqual([4, 2, 2]);
  });

  it('holds back only the throttled users on 429 and resends the others at once', async () => {
    const { fake, sent } = scripted([
      () => ({
        status: 429,
        body: throttledBody({
          epsThreshold: 30,
          throttledUsers: { 'user-1': 40 },
          throttledDevices: {},
          throttledEvents: [1],
        }),
      }),
      (e) => ({ status: 200, body: successBody(e.length, 100, 1) }),
    ]);
    const result = await uploadEvents(items(3), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(result.retryLater).toEqual([{ ref: 1, delayMs: 30_000, reason: 'amplitude_throttled' }]);
    expect(result.delivered).toEqual([0, 2]);
    expect(sent[1]!.map((e) => e.user_id)).toEqual(['user-0', 'user-2']);
  });

  it('retries a brief 5xx within the upload, then delivers', async () => {
    const waits: number[] = [];
    const { fake, sent } = scripted([
      () => ({ status: 503, body: { code: 503 } }),
      () => ({ status: 502, body: { code: 502 } }),
      (e) => ({ status: 200, body: successBody(e.length, 100, 1) }),
    ]);
    const sleep = async (ms: number) => void waits.push(ms);
    const result = await uploadEvents(items(2), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake, sleep });
    expect(result.delivered).toEqual([0, 1]);
    expect(waits).toEqual([200, 800]);
    expect(sent).toHaveLength(3);
  });

  it('stops with what was settled when 5xx persists (retry-after) and on a rejected key (auth-revoked)', async () => {
    const { fake } = scripted([502, 502, 502].map((status) => () => ({ status, body: { code: status } })));
    const failure = await uploadEvents(items(2), {
      baseUrl: 'http://amp',
      apiKey: 'k',
      fetch: fake,
      sleep: async () => {},
    });
    expect(failure.delivered).toEqual([]);
    expect(failure.stopped).toMatchObject({ kind: 'retry_after', reason: 'amplitude_unavailable' });

    const { fake: rejecting } = scripted([() => ({ status: 400, body: { code: 400, error: 'Invalid API key: k' } })]);
    const fatal = await uploadEvents(items(2), { baseUrl: 'http://amp', apiKey: 'k', fetch: rejecting });
    expect(fatal.delivered).toEqual([]);
    expect(fatal.stopped).toMatchObject({ kind: 'auth_revoked' });
  });

  it('reports a refusal of the whole request that is not about the key as rejected', async () => {
    const { fake } = scripted([() => ({ status: 403, body: { code: 403, error: 'Forbidden' } })]);
    const result = await uploadEvents(items(2), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(result.stopped).toMatchObject({ kind: 'rejected', reason: 'amplitude_forbidden' });
  });

  it('sends min_id_length 1 so short Intercom user ids are kept', async () => {
    let body: { options?: unknown } = {};
    const fake = (async (_u: string, init: { body: string }) => {
      body = JSON.parse(init.body);
      return new Response(JSON.stringify(successBody(1, 1, 1)), { status: 200 });
    }) as unknown as typeof fetch;
    await uploadEvents(items(1), { baseUrl: 'http://amp', apiKey: 'k', fetch: fake });
    expect(body.options).toEqual({ min_id_length: 1 });
  });
});
