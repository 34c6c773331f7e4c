import { describe, expect, it } from 'vitest';
import {
  applyUserPropertyUpdate,
  parseIdentifyRequest,
  toUserPropertyUpdate,
} from '../../../../src/amplitude/protocol';

const FORM = 'application/x-www-form-urlencoded';

function form(fields: Record<string, string>): Buffer {
  return Buffer.from(new URLSearchParams(fields).toString());
}

describe('parseIdentifyRequest', () => {
  it('reads a form body with one identification or an array', () => {
    const one = { user_id: 'user-12345', user_properties: { plan: 'pro' } };
    expect(parseIdentifyRequest(form({ api_key: 'k', identification: JSON.stringify(one) }), FORM)).toEqual({
      ok: true,
      apiKey: 'k',
      identifications: [one],
    });
    const many = [one, { device_id: 'device-1' }];
    const result = parseIdentifyRequest(form({ api_key: 'k', identification: JSON.stringify(many) }), FORM);
    expect(result).toMatchObject({ ok: true, identifications: many });
  });

  it('refuses an identification nested deeper than 40 levels, however deep', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    for (const levels of [41, 100_000]) {
      const identification = `{"user_id":"user-12345","user_properties":{"plan":"pro"},"extra":${deep(levels)}}`;
      expect(parseIdentifyRequest(form({ api_key: 'k', identification }), FORM)).toMatchObject({
        ok: false,
        status: 400,
      });
    }
    const fine = `{"user_id":"user-12345","extra":${deep(40)}}`;
    expect(parseIdentifyRequest(form({ api_key: 'k', identification: fine }), FORM)).toMatchObject({ ok: true });
  });

  it('reads GET query parameters and multipart form-data', () => {
    const identification = JSON.stringify({ user_id: 'user-12345' });
    expect(parseIdentifyRequest(Buffer.alloc(0), undefined, { api_key: 'k', identification })).toMatchObject({
      ok: true,
    });
    const boundary = 'XyZ';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="api_key"',
      '',
      'k',
      `--${boundary}`,
      'Content-Disposition: form-data; name="identification"',
      '',
      identification,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const result = parseIdentifyRequest(Buffer.from(multipart), `multipart/form-data; boundary=${boundary}`);
    expect(result).toMatchObject({ ok: true, apiKey: 'k', identifications: [{ user_id: 'user-12345' }] });
  });

  it('names a missing api_key and checks the key', () => {
    const identification = JSON.stringify({ user_id: 'user-12345' });
    expect(parseIdentifyRequest(form({ identification }), FORM)).toEqual({
      ok: false,
      status: 400,
      body: { code: 400, error: 'Request missing required field', missing_field: 'api_key' },
    });
    const rejectAll = { isApiKeyValid: () => false };
    const wrongKey = parseIdentifyRequest(form({ api_key: 'k', identification }), FORM, {}, rejectAll);
    expect(wrongKey).toMatchObject({ status: 400, body: { code: 400, error: 'Invalid API key' } });
  });

  it('answers a missing or malformed identification with missing_event', () => {
    const missingEvent = { ok: false, status: 400, body: { code: 400, error: 'missing_event' } };
    const cases = [
      undefined,
      '{not json',
      '[]',
      '"text"',
      JSON.stringify({ user_properties: { a: 1 } }),
      JSON.stringify({ user_id: 'null' }),
      JSON.stringify({ user_id: 'abc' }),
      JSON.stringify({ user_id: 'user-12345', user_properties: 'x' }),
      JSON.stringify([{ user_id: 'user-12345' }, 7]),
    ];
    for (const identification of cases) {
      const fields: Record<string, string> = { api_key: 'k' };
      if (identification !== undefined) fields.identification = identification;
      expect(parseIdentifyRequest(form(fields), FORM)).toEqual(missingEvent);
    }
  });
});

describe('toUserPropertyUpdate', () => {
  it('normalises every supported operation of a $identify event', () => {
    const update = toUserPropertyUpdate({
      event_type: '$identify',
      user_id: 'user-12345',
      platform: 'Web',
      user_properties: {
        $set: { plan: 'pro' },
        $setOnce: { first_seen: '2024-01-01' },
        $add: { logins: 2, visits: '3', bad: 'x' },
        $append: { tags: 'a' },
        $prepend: { recent: 'b' },
        $preInsert: { list: ['c'] },
        $postInsert: { list2: 'd' },
        $remove: { tags: 'old' },
        $unset: { legacy: '-' },
        $mystery: { a: 1 },
        plain: 'kept',
      },
    });
    expect(update).toEqual({
      userId: 'user-12345',
      clearAll: false,
      set: { plan: 'pro', plain: 'kept' },
      setOnce: { first_seen: '2024-01-01' },
      add: { logins: 2, visits: 3 },
      append: { tags: 'a' },
      prepend: { recent: 'b' },
      preInsert: { list: ['c'] },
      postInsert: { list2: 'd' },
      remove: { tags: 'old' },
      unset: ['legacy'],
      ignoredOperations: ['$mystery'],
      context: { platform: 'Web' },
    });
  });

  it('treats an /identify identification like a $identify event', () => {
    const update = toUserPropertyUpdate({ device_id: 'device-1', user_properties: { $set: { a: 1 } }, paying: 'true' });
    expect(update).toMatchObject({ deviceId: 'device-1', set: { a: 1 }, context: { paying: 'true' } });
  });

  it('ignores operations on ordinary events and sets their plain properties', () => {
    const update = toUserPropertyUpdate({
      event_type: 'Clicked',
      user_id: 'user-12345',
      user_properties: { $set: { a: 1 }, color: 'red' },
    });
    expect(update).toMatchObject({ set: { color: 'red' }, ignoredOperations: ['$set'] });
  });
});

describe('applyUserPropertyUpdate', () => {
  const base = { plan: 'free', logins: 1, tags: ['old', 'x'], first_seen: '2020', legacy: true, list: ['c'] };

  it('applies the operations in their documented meaning', () => {
    const update = toUserPropertyUpdate({
      user_id: 'user-12345',
      user_properties: {
        $set: { plan: 'pro' },
        $setOnce: { first_seen: '2024', country: 'NL' },
        $add: { logins: 2, visits: 1 },
        $append: { tags: 'new' },
        $prepend: { recent: 'b' },
        $preInsert: { list: ['c', 'z'] },
        $postInsert: { list: 'c' },
        $remove: { tags: 'old' },
        $unset: { legacy: '-' },
      },
    });
    expect(applyUserPropertyUpdate(base, update)).toEqual({
      plan: 'pro',
      logins: 3,
      visits: 1,
      tags: ['x', 'new'],
      first_seen: '2020',
      country: 'NL',
      recent: ['b'],
      list: ['z', 'c'],
    });
  });

  it('clears everything on $clearAll and leaves the input untouched', () => {
    const update = toUserPropertyUpdate({ user_id: 'user-12345', user_properties: { $clearAll: '-', $set: { a: 1 } } });
    expect(applyUserPropertyUpdate(base, update)).toEqual({});
    expect(base.plan).toBe('free');
  });
});
