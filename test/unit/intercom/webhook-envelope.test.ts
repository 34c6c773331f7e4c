import { describe, expect, it } from 'vitest';
import { parseNotification } from '../../../src/intercom/webhook-envelope';
import { contactV2, rawNotification } from '../source/fixtures';

describe('parseNotification', () => {
  it('accepts a captured-style body and keeps the fields Intercom adds beyond the documented ones', () => {
    const result = parseNotification(rawNotification('contact.user.created', contactV2()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.notification.topic).toBe('contact.user.created');
    expect(result.notification.app_id).toBe('abc123def');
    expect(result.notification.data.item.external_id).toBe('u-1055');
    expect((result.notification as Record<string, unknown>).delivery_status).toBe('pending');
  });

  it('accepts a ping, whose id is null', () => {
    const result = parseNotification(
      rawNotification(
        'ping',
        { type: 'ping', message: 'something something interzen' },
        { id: null, delivery_status: null },
      ),
    );
    expect(result).toMatchObject({ ok: true, notification: { id: null, topic: 'ping' } });
  });

  it('accepts a body without the optional delivery fields', () => {
    const { delivery_attempts: _a, first_sent_at: _f, ...body } = rawNotification('event.created', { type: 'event' });
    expect(parseNotification(body).ok).toBe(true);
  });

  it('names a missing field', () => {
    const { app_id: _omit, ...body } = rawNotification('event.created', { type: 'event' });
    expect(parseNotification(body)).toEqual({ ok: false, error: 'invalid Intercom notification: app_id is required' });
  });

  it('names fields of the wrong type, nested ones by their path', () => {
    const result = parseNotification(
      rawNotification('event.created', { type: 'event' }, { created_at: '1768019995', data: { item: [] } }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain('created_at: expected number, received string');
    expect(result.error).toContain('data.item: expected record, received array');
  });

  it('rejects fractional created_at: Intercom sends whole Unix seconds', () => {
    const result = parseNotification(rawNotification('event.created', { type: 'event' }, { created_at: 1768019995.5 }));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('created_at') });
  });

  it('rejects other envelope types and non-objects', () => {
    const wrongType = parseNotification(rawNotification('event.created', { type: 'event' }, { type: 'notification' }));
    expect(wrongType).toMatchObject({
      ok: false,
      error: expect.stringContaining('type: expected "notification_event"'),
    });
    expect(parseNotification('{"type":"notification_event"}')).toEqual({
      ok: false,
      error: 'invalid Intercom notification: body: expected object, received string',
    });
    expect(parseNotification(null)).toMatchObject({ ok: false });
  });

  it('rejects an empty topic', () => {
    const result = parseNotification(rawNotification('', { type: 'event' }));
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('topic') });
  });

  it('refuses an item nested far deeper than Intercom nests, without overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    const result = parseNotification(
      rawNotification('contact.user.created', { type: 'contact', id: 'c1', extra: deep }),
    );
    expect(result).toEqual({ ok: false, error: 'invalid Intercom notification: nested deeper than 40 levels' });
    const shallow = parseNotification(
      rawNotification('contact.user.created', { type: 'contact', id: 'c1', a: { b: { c: 1 } } }),
    );
    expect(shallow.ok).toBe(true);
  });
});
