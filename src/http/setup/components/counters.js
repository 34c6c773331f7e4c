// Counter tiles and per-reason breakdowns, with each reason in words and its code in the tooltip.

import { h } from '../lib/dom.js';
import { count, sum } from '../lib/format.js';
import { describeReason } from '../lib/reasons.js';

/** A reason in words; hovering shows what it means and its code. */
export function reasonTag(code) {
  const reason = describeReason(code);
  return h('span', {
    class: 'reason',
    testid: 'reason',
    'data-reason': reason.code,
    title: [reason.help, `Code: ${reason.code}`].filter(Boolean).join('\n'),
    text: reason.label,
  });
}

/** "No identity (3), Loop echo (1)": reasons in words with their counts. */
export function reasonCounts(record) {
  const entries = Object.entries(record || {}).filter(([, n]) => n > 0);
  return entries.flatMap(([code, n], i) => [i > 0 ? ', ' : '', reasonTag(code), ` (${count(n)})`]);
}

/**
 * Counter tiles (`counter-<key>`), and under the tiles whose value is a record of counts by reason, one line per
 * reason (`<key>-<reason>`). An item's `hint` explains the tile in its tooltip.
 */
export function stats(items) {
  const tiles = h('dl', { class: 'stats' });
  const details = [];
  for (const item of items) {
    const value = typeof item.value === 'number' ? item.value : sum(item.value);
    tiles.append(
      h(
        'div',
        { class: 'stat', title: item.hint },
        h('dt', { text: item.label }),
        h('dd', { testid: `counter-${item.key}`, text: item.text ?? count(value) }),
      ),
    );
    if (item.value && typeof item.value === 'object') {
      for (const [reason, n] of Object.entries(item.value)) {
        details.push(
          h('li', { testid: `${item.key}-${reason}` }, `${item.label} · `, reasonTag(reason), `: ${count(n)}`),
        );
      }
    }
  }
  return details.length > 0 ? [tiles, h('ul', { class: 'breakdown' }, details)] : [tiles];
}

/** Counters named `<prefix><reason>` of the status's raw counters, as a record by reason. */
export function countersWithPrefix(counters, prefix) {
  return Object.fromEntries(
    Object.entries(counters || {})
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, n]) => [name.slice(prefix.length), n]),
  );
}
