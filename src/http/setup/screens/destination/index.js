// An Amplitude → Intercom sync: its ingest key (once), Error state with the fix, activity (sent, pending and
// parked apart, reasons in words), settings, event-type slots and the Manage card.

import { fill, h } from '../../lib/dom.js';
import { count } from '../../lib/format.js';
import { countersWithPrefix, stats, reasonCounts } from '../../components/counters.js';
import { syncCards } from '../../components/intercom-sync.js';
import { ingestKeyContent } from './ingest-key.js';
import { settingsForm } from './settings.js';
import { eventTypesCard } from './event-types.js';

export async function destinationView(id, record) {
  const cards = syncCards(id, { keyContent: ingestKeyContent, breakdownTestid: 'delivery-details' });
  const more = cards.breakdown;
  const eventTypes = eventTypesCard(id);

  function showDetails(status) {
    const c = status.counters || {};
    const lines = [];
    const cut = status.metadataKeysCut || {};
    for (const [eventName, n] of Object.entries(cut))
      lines.push(
        h(
          'li',
          { testid: 'metadata-cut' },
          `Event “${eventName}”: ${count(n)} metadata key(s) cut (Intercom keeps a limited number per event; the first selected are kept)`,
        ),
      );
    const dropped = countersWithPrefix(c, 'properties_dropped:');
    if (Object.keys(dropped).length > 0) lines.push(h('li', {}, 'Properties left out: ', reasonCounts(dropped)));
    const refused = countersWithPrefix(c, 'attributes_refused:');
    if (Object.keys(refused).length > 0) lines.push(h('li', {}, 'Attributes not created: ', reasonCounts(refused)));
    if (c.identifies_unchanged > 0)
      lines.push(h('li', {}, `${count(c.identifies_unchanged)} identifies changed nothing and made no Intercom call`));
    fill(more, lines);
    more.hidden = lines.length === 0;
  }

  return {
    root: h(
      'div',
      {},
      cards.keyCard.root,
      cards.problem.root,
      cards.activity,
      cards.settingsCard,
      eventTypes.root,
      cards.manage.root,
    ),
    async update(s) {
      const gone = await cards.update(s, record, { last: ['Last sent', s.lastSentAt], settingsForm });
      fill(
        cards.counters,
        ...stats(
          [
            { key: 'sent', label: 'Sent', value: s.sent },
            {
              key: 'pending',
              label: 'Pending',
              value: s.pending,
              hint: 'Waiting to be sent to Intercom (parked ones not included).',
            },
            {
              key: 'parked',
              label: 'Parked',
              value: s.parked,
              hint: 'Events waiting for their Intercom contact to exist; retried on a schedule.',
            },
            { key: 'skipped', label: 'Skipped', value: s.skipped || {} },
            { key: 'expired', label: 'Expired', value: s.expired || {} },
            s.eventTypes && {
              key: 'event-type-slots',
              label: 'Event-type slots',
              value: s.eventTypes.used,
              text: `${count(s.eventTypes.used)} / ${count(s.eventTypes.limit)}`,
              hint: 'Active event names in the workspace, of the number Intercom allows.',
            },
          ].filter(Boolean),
        ),
      );
      showDetails(s);
      await eventTypes.update(s, gone);
    },
  };
}
