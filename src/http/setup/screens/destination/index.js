// An Amplitude → Intercom sync: its ingest key (once), Error state with the fix, activity (sent, pending and
// parked apart, reasons in words), settings, event-type slots and the Manage card.

import { busy, fill, h } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { count, when } from '../../lib/format.js';
import { memory } from '../../lib/memory.js';
import { countersWithPrefix, stats, reasonCounts } from '../../components/counters.js';
import { lastErrorBox, problemCard } from '../../components/problem.js';
import { manageCard } from '../../components/manage.js';
import { credentialToggle } from '../../components/credentials.js';
import { ingestKeyCard } from './ingest-key.js';
import { settingsForm } from './settings.js';
import { eventTypesCard } from './event-types.js';

export async function destinationView(id, record) {
  const keyCard = ingestKeyCard();
  const problem = problemCard(id);
  const facts = h('dl', { class: 'facts' });
  const counters = h('div');
  const more = h('ul', { class: 'breakdown', testid: 'delivery-details' });
  const lastError = h('div');
  const activity = h(
    'div',
    { class: 'card', testid: 'details' },
    h('h2', { text: 'Activity' }),
    facts,
    counters,
    more,
    lastError,
  );
  const settingsCard = h('div', { class: 'card', testid: 'settings-card', hidden: true });
  const eventTypes = eventTypesCard(id);
  const rotate = h('button', {
    type: 'button',
    class: 'secondary',
    testid: 'rotate-ingest-key',
    text: 'New ingest key',
  });
  const replaceToken = credentialToggle(id, 'replace-intercom-token', 'replace-token', 'Replace Intercom access token');
  const manage = manageCard(id, { extras: [rotate, replaceToken.button], panels: [replaceToken.panel] });
  rotate.addEventListener('click', async () => {
    if (!window.confirm('Issue a new ingest key? The current key stops working at once.')) return;
    await busy(rotate, manage.error, async () => {
      const { ingestKey } = await api('POST', `/api/destinations/${enc(id)}/ingest-key`);
      keyCard.show(ingestKey);
    });
  });
  const once = memory.ingestKeys.get(id);
  if (once) {
    memory.ingestKeys.delete(id);
    keyCard.show(once.key);
  }
  let formShown = false;

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
    root: h('div', {}, keyCard.root, problem.root, activity, settingsCard, eventTypes.root, manage.root),
    async update(s) {
      const gone = s.status === 'Disconnected' || !s.settings;
      await problem.update(s);
      fill(
        facts,
        h('dt', { text: 'Intercom workspace' }),
        h('dd', { class: 'mono', testid: 'workspace-id', text: s.workspaceId || record.intercomWorkspaceId || '—' }),
        h('dt', { text: 'Last sent' }),
        h('dd', { text: when(s.lastSentAt) }),
      );
      fill(
        counters,
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
      fill(lastError, lastErrorBox(s.lastError));
      manage.update({ paused: s.status === 'Paused', canPause: !gone, gone });
      rotate.hidden = gone;
      if (!formShown && s.settings && !gone) {
        formShown = true;
        fill(settingsCard, await settingsForm(id, s.settings));
        settingsCard.hidden = false;
      }
      if (gone) settingsCard.hidden = true;
      await eventTypes.update(s, gone);
    },
  };
}
