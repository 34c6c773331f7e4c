import { describe, expect, it } from 'vitest';
import { buildMetadata } from '../../../../../src/destination/actions/send-event/metadata';

describe('buildMetadata', () => {
  it('sends only selected properties, in selection order', () => {
    const { metadata } = buildMetadata({ plan: 'pro', seats: 3, secret: 'x' }, ['seats', 'plan'], 10);
    expect(metadata).toEqual({ seats: 3, plan: 'pro' });
    expect(Object.keys(metadata)).toEqual(['seats', 'plan']);
  });

  it('sends nothing when nothing is selected', () => {
    expect(buildMetadata({ plan: 'pro' }, [], 10)).toEqual({ metadata: {}, cutKeys: [], droppedKeys: [] });
  });

  it('flattens nested objects with underscores', () => {
    const { metadata } = buildMetadata({ plan: { name: 'pro', limits: { seats: 5 } } }, ['plan'], 10);
    expect(metadata).toEqual({ plan_name: 'pro', plan_limits_seats: 5 });
  });

  it('keeps monetary amounts and rich links as objects, also when nested', () => {
    const properties = {
      price: { amount: 34999, currency: 'eur' },
      order: { link: { url: 'https://shop.example/orders/1', value: 'Order #1' } },
    };
    const { metadata } = buildMetadata(properties, ['price', 'order'], 10);
    expect(metadata).toEqual({
      price: { amount: 34999, currency: 'eur' },
      order_link: { url: 'https://shop.example/orders/1', value: 'Order #1' },
    });
  });

  it('flattens look-alikes that are not valid special shapes', () => {
    const properties = {
      price: { amount: 9.99, currency: 'eur' },
      link: { url: 'ftp://files.example', value: 'files' },
      extra: { amount: 100, currency: 'usd', note: 'tax' },
    };
    expect(buildMetadata(properties, ['price', 'link', 'extra'], 10).metadata).toEqual({
      price_amount: 9.99,
      price_currency: 'eur',
      link_url: 'ftp://files.example',
      link_value: 'files',
      extra_amount: 100,
      extra_currency: 'usd',
      extra_note: 'tax',
    });
  });

  it('joins arrays with ", " (objects inside as JSON)', () => {
    const { metadata } = buildMetadata({ tags: ['a', 1, true, null, { k: 'v' }] }, ['tags'], 10);
    expect(metadata).toEqual({ tags: 'a, 1, true, {"k":"v"}' });
  });

  it('replaces "." and "$" in keys with "_"', () => {
    const { metadata } = buildMetadata(
      { 'order.id': 'o-1', $plan: 'pro', cart: { 'item.count': 2 } },
      ['order.id', '$plan', 'cart'],
      10,
    );
    expect(metadata).toEqual({ order_id: 'o-1', _plan: 'pro', cart_item_count: 2 });
  });

  it('caps strings at 255 characters without splitting a surrogate pair', () => {
    const { metadata } = buildMetadata({ long: 'x'.repeat(300), emoji: `${'y'.repeat(254)}😀` }, ['long', 'emoji'], 10);
    expect(metadata.long).toBe('x'.repeat(255));
    expect(metadata.emoji).toBe('y'.repeat(254));
  });

  it('sends booleans as strings', () => {
    expect(buildMetadata({ paid: false }, ['paid'], 10).metadata).toEqual({ paid: 'false' });
  });

  it('turns values of *_date keys into Unix seconds', () => {
    const properties = {
      renewal_date: 1_700_000_000_123,
      trial_date: '2024-01-02T03:04:05Z',
      start_date: 1_700_000_000,
      due_date: 'soon',
    };
    expect(buildMetadata(properties, Object.keys(properties), 10).metadata).toEqual({
      renewal_date: 1_700_000_000,
      trial_date: 1_704_164_645,
      start_date: 1_700_000_000,
      due_date: 'soon',
    });
  });

  it('skips null and empty values, reporting them, and ignores absent ones', () => {
    const result = buildMetadata(
      { coupon: null, tags: [], meta: {}, plan: 'pro' },
      ['coupon', 'missing', 'tags', 'meta', 'plan'],
      10,
    );
    expect(result.metadata).toEqual({ plan: 'pro' });
    expect(result.droppedKeys).toEqual([
      { key: 'coupon', reason: 'empty' },
      { key: 'tags', reason: 'empty' },
      { key: 'meta', reason: 'empty' },
    ]);
  });

  it('drops non-finite numbers and keys that collide after sanitising', () => {
    const result = buildMetadata(
      { ratio: Number.NaN, 'a.b': 1, a$b: 2, a: { b: 3 } },
      ['ratio', 'a.b', 'a$b', 'a'],
      10,
    );
    expect(result.metadata).toEqual({ a_b: 1 });
    expect(result.droppedKeys).toEqual([
      { key: 'ratio', reason: 'unsupported_value' },
      { key: 'a_b', reason: 'key_collision' },
      { key: 'a_b', reason: 'key_collision' },
    ]);
  });

  it('keeps the first `limit` keys and reports the rest as cut, in order', () => {
    const properties = { a: 1, nested: { x: 1, y: 2 }, b: 2, c: 3 };
    const result = buildMetadata(properties, ['a', 'nested', 'b', 'c'], 2);
    expect(result.metadata).toEqual({ a: 1, nested_x: 1 });
    expect(result.cutKeys).toEqual(['nested_y', 'b', 'c']);
  });

  it('does not let dropped keys take slots under the cap', () => {
    const result = buildMetadata({ empty: null, a: 1, b: 2 }, ['empty', 'a', 'b'], 2);
    expect(result.metadata).toEqual({ a: 1, b: 2 });
    expect(result.cutKeys).toEqual([]);
  });

  it('tolerates events without properties', () => {
    expect(buildMetadata(undefined, ['plan'], 10)).toEqual({ metadata: {}, cutKeys: [], droppedKeys: [] });
  });
});

describe('property names that shadow Object.prototype', () => {
  it('are ordinary keys', () => {
    const properties = JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, unknown>;
    const { metadata } = buildMetadata(properties, ['__proto__', 'constructor', 'toString'], 10);
    expect(Object.entries(metadata)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });
});
