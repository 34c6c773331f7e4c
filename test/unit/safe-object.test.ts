import { describe, expect, it } from 'vitest';
import {
  applyUserPropertyUpdate,
  parseIdentifyRequest,
  parseUploadRequest,
  toUserPropertyUpdate,
} from '../../src/amplitude/protocol';
import { cleanProperties } from '../../src/source/properties';
import { applySettingsPatch, defaultDestinationSettings } from '../../src/destination/settings';
import { outboxRowsForEvents } from '../../src/destination/ingest';
import { toAmplitudeEvent } from '../../src/source/transform';
import { dataEvent, notification } from './source/fixtures';

/**
 * `__proto__` keys from senders (JSON.parse makes them own properties) must stay plain data in every copy
 * we make: assigning one would swap the copy's prototype, so a later read of a missing key (say `status`
 * or `enabled`) would find the sender's value.
 */
const EVIL = '{"__proto__": {"polluted": "yes", "enabled": true, "status": "enabled"}}';
const evil = () => JSON.parse(EVIL) as Record<string, unknown>;

function expectPlain(copy: unknown): void {
  expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  expect((copy as Record<string, unknown>).polluted).toBeUndefined();
}

describe('__proto__ keys in what senders give us', () => {
  it('event_properties and user_properties of an uploaded event are copied as data', () => {
    const body = `{"api_key":"k","events":[{"event_type":"Bought","user_id":"user-1","__proto__":{"polluted":"yes"},
      "event_properties":${EVIL},"user_properties":${EVIL}}]}`;
    const parsed = parseUploadRequest(Buffer.from(body), { contentType: 'application/json' }, 'httpapi');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.body));
    const [event] = parsed.events;
    expectPlain(event);
    expectPlain(event!.event_properties);
    expect(Object.hasOwn(event!, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(event!.event_properties))).toEqual(evil());
    const [row] = outboxRowsForEvents('destination-x', parsed.events, new Date());
    expectPlain(row!.payload);
  });

  it('a field named __proto__ in the 400 maps is reported, not a crash', () => {
    const deep = `${'['.repeat(45)}1${']'.repeat(45)}`;
    const body = `{"api_key":"k","events":[{"event_type":"E","user_id":"user-1","__proto__":${deep}}]}`;
    const parsed = parseUploadRequest(Buffer.from(body), { contentType: 'application/json' }, 'httpapi');
    expect(parsed).toMatchObject({ ok: false, status: 400 });
    if (parsed.ok) return;
    expect(JSON.stringify(parsed.body.events_with_invalid_fields)).toBe('{"__proto__":[0]}');
  });

  it('user-property operations ($set, $setOnce, $add, $append, …) keep __proto__ as a property name', () => {
    const update = toUserPropertyUpdate({
      event_type: '$identify',
      user_id: 'user-1',
      user_properties: JSON.parse(
        `{"$set":${EVIL},"$setOnce":${EVIL},"$add":{"__proto__":2},"$append":${EVIL},"$remove":${EVIL},"plain":1}`,
      ),
    });
    for (const map of [update.set, update.setOnce, update.add, update.append, update.remove]) expectPlain(map);
    const next = applyUserPropertyUpdate({}, update);
    expectPlain(next);
    expect(Object.hasOwn(next, '__proto__')).toBe(true);
    const plainKeys = toUserPropertyUpdate({ user_id: 'user-1', user_properties: evil() });
    expectPlain(plainKeys.set);
  });

  it('identify form fields named __proto__ do not reach the prototype', () => {
    const form = Buffer.from(
      `__proto__=x&api_key=k&identification=${encodeURIComponent('{"user_id":"user-1","user_properties":' + EVIL + '}')}`,
    );
    const parsed = parseIdentifyRequest(form, 'application/x-www-form-urlencoded', { __proto__: 'q' });
    expect(parsed.ok).toBe(true);
    const boundary = 'b0';
    const multipart = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nk\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="identification"\r\n\r\n{"user_id":"user-1"}\r\n--${boundary}--\r\n`,
    );
    expect(parseIdentifyRequest(multipart, `multipart/form-data; boundary=${boundary}`)).toMatchObject({
      ok: true,
      apiKey: 'k',
    });
  });

  it('Intercom payloads: cleaned properties and a data event with __proto__ metadata stay plain', () => {
    const cleaned = cleanProperties(evil());
    expectPlain(cleaned);
    expect(Object.hasOwn(cleaned, '__proto__')).toBe(true);
    const item = dataEvent({ metadata: JSON.parse(`{"__proto__":{"polluted":"yes"},"nested":${EVIL}}`) });
    const result = toAmplitudeEvent(notification('event.created', item), { identityMapping: 'user_id' });
    if (result.kind !== 'event') throw new Error('expected an event');
    expectPlain(result.event);
    expectPlain(result.event.event_properties);
    expectPlain((result.event.event_properties as Record<string, unknown>).metadata_nested);
  });

  it('a settings patch cannot switch a sync on through the prototype', () => {
    // Settings are strict: a __proto__ key is refused by name, at any level.
    const patched = applySettingsPatch(
      defaultDestinationSettings(),
      JSON.parse(`{"__proto__":{"status":"enabled"},"sendEvents":${EVIL},"mapping":${EVIL}}`),
    );
    expect(patched).toMatchObject({ ok: false });
    if (patched.ok) return;
    expect(patched.message).toContain('Unrecognized key: "__proto__"');
    // And a valid patch copies what it keeps as own data.
    const valid = applySettingsPatch(
      defaultDestinationSettings(),
      JSON.parse('{"sendEvents":{"eventProperties":["__proto__"]}}'),
    );
    if (!valid.ok) throw new Error(valid.message);
    expect(valid.settings.status).toBe('disabled');
    expectPlain(valid.settings);
    expectPlain(valid.settings.sendEvents);
  });
});
