// A cohort sync (Amplitude cohorts → Intercom tags): its ingest key and webhook address (once), Error state with
// the fix, activity (members added, removed, parked, skipped and expired by reason, the tags and their size, the
// last batch), settings and the Manage card (with "Disconnect and remove the tags").

import { busy, fill, h } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { count } from '../../lib/format.js';
import { stats } from '../../components/counters.js';
import { syncCards } from '../../components/intercom-sync.js';
import { cohortSettingsForm } from './settings.js';

/** How to use a cohort sync's ingest key: in the custom header of Amplitude's cohort webhook. */
function cohortKeyContent(key) {
  return [
    h('h2', { text: 'Amplitude webhook' }),
    h(
      'p',
      {},
      'In Amplitude: Data → Catalog → Destinations → Cohorts → Webhook. Set the URL to ',
      h('code', { testid: 'cohort-webhook-url', text: `${location.origin}/amplitude/cohorts` }),
      ' and add the custom header:',
    ),
    h('div', { class: 'secret' }, h('code', { testid: 'ingest-key', text: `Authorization: Bearer ${key}` })),
    h(
      'div',
      { class: 'alert note', testid: 'ingest-key-note' },
      'Copy it now: the key is shown only once (we keep only a hash).',
    ),
  ];
}

export async function cohortSyncView(id, record) {
  const removeTags = h('button', {
    type: 'button',
    class: 'danger',
    testid: 'disconnect-remove-tags',
    text: 'Disconnect and remove the tags',
  });
  const cards = syncCards(id, { keyContent: cohortKeyContent, breakdownTestid: 'cohort-tags', extras: [removeTags] });
  const tags = cards.breakdown;
  removeTags.addEventListener('click', async () => {
    if (!window.confirm('Disconnect this cohort sync and delete its tags from Intercom (they leave every contact)?'))
      return;
    await busy(removeTags, cards.manage.error, () =>
      api('POST', `/api/cohort-syncs/${enc(id)}/disconnect`, { removeTag: true }),
    );
  });

  return {
    root: h('div', {}, cards.keyCard.root, cards.problem.root, cards.activity, cards.settingsCard, cards.manage.root),
    async update(s) {
      await cards.update(s, record, {
        last: ['Last batch from Amplitude', s.lastBatchAt, 'last-batch'],
        settingsForm: cohortSettingsForm,
      });
      fill(
        cards.counters,
        ...stats([
          { key: 'added', label: 'Added', value: s.added ?? 0, hint: 'Members tagged in Intercom.' },
          { key: 'removed', label: 'Removed', value: s.removed ?? 0, hint: 'Members untagged in Intercom.' },
          { key: 'tag-size', label: 'Tagged now', value: s.tagSize ?? 0, hint: 'Members this sync has tagged.' },
          { key: 'pending', label: 'Pending', value: s.pending ?? 0, hint: 'Changes waiting to be applied.' },
          {
            key: 'parked',
            label: 'Parked',
            value: s.parked ?? 0,
            hint: 'Members waiting for their Intercom contact to exist; retried on a schedule.',
          },
          { key: 'skipped', label: 'Skipped', value: s.skipped || {} },
          { key: 'expired', label: 'Expired', value: s.expired || {} },
        ]),
      );
      fill(
        tags,
        (s.tags || []).map((t) =>
          h('li', { testid: 'cohort-tag' }, `Tag “${t.tagName}” (cohort ${t.cohortId}): ${count(t.members)} member(s)`),
        ),
      );
      tags.hidden = !(s.tags || []).length;
    },
  };
}
