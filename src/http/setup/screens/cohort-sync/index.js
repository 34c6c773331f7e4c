// A cohort sync (Amplitude cohorts → Intercom tags): its ingest key and webhook address (once), Error state with
// the fix, activity (members added, removed, parked, skipped and expired by reason, the tags and their size, the
// last batch), settings and the Manage card (with "Disconnect and remove the tags").

import { busy, fill, h } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { count, when } from '../../lib/format.js';
import { memory } from '../../lib/memory.js';
import { stats } from '../../components/counters.js';
import { lastErrorBox, problemCard } from '../../components/problem.js';
import { manageCard } from '../../components/manage.js';
import { credentialToggle } from '../../components/credentials.js';
import { cohortSettingsForm } from './settings.js';

function cohortKeyCard() {
  const root = h('div', { class: 'card', testid: 'ingest-key-card', hidden: true });
  return {
    root,
    show(key) {
      fill(
        root,
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
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            class: 'secondary',
            testid: 'ingest-key-done',
            text: 'I have saved it',
            onclick: () => {
              root.replaceChildren();
              root.hidden = true;
            },
          }),
        ),
      );
      root.hidden = false;
    },
  };
}

export async function cohortSyncView(id, record) {
  const keyCard = cohortKeyCard();
  const problem = problemCard(id);
  const facts = h('dl', { class: 'facts' });
  const counters = h('div');
  const tags = h('ul', { class: 'breakdown', testid: 'cohort-tags' });
  const lastError = h('div');
  const activity = h(
    'div',
    { class: 'card', testid: 'details' },
    h('h2', { text: 'Activity' }),
    facts,
    counters,
    tags,
    lastError,
  );
  const settingsCard = h('div', { class: 'card', testid: 'settings-card', hidden: true });
  const rotate = h('button', {
    type: 'button',
    class: 'secondary',
    testid: 'rotate-ingest-key',
    text: 'New ingest key',
  });
  const removeTags = h('button', {
    type: 'button',
    class: 'danger',
    testid: 'disconnect-remove-tags',
    text: 'Disconnect and remove the tags',
  });
  const replaceToken = credentialToggle(id, 'replace-intercom-token', 'replace-token', 'Replace Intercom access token');
  const manage = manageCard(id, { extras: [rotate, replaceToken.button, removeTags], panels: [replaceToken.panel] });
  rotate.addEventListener('click', async () => {
    if (!window.confirm('Issue a new ingest key? The current key stops working at once.')) return;
    await busy(rotate, manage.error, async () => {
      const { ingestKey } = await api('POST', `/api/destinations/${enc(id)}/ingest-key`);
      keyCard.show(ingestKey);
    });
  });
  removeTags.addEventListener('click', async () => {
    if (!window.confirm('Disconnect this cohort sync and delete its tags from Intercom (they leave every contact)?'))
      return;
    await busy(removeTags, manage.error, () =>
      api('POST', `/api/cohort-syncs/${enc(id)}/disconnect`, { removeTag: true }),
    );
  });
  const once = memory.ingestKeys.get(id);
  if (once) {
    memory.ingestKeys.delete(id);
    keyCard.show(once.key);
  }
  let formShown = false;

  return {
    root: h('div', {}, keyCard.root, problem.root, activity, settingsCard, manage.root),
    async update(s) {
      const gone = s.status === 'Disconnected' || !s.settings;
      await problem.update(s);
      fill(
        facts,
        h('dt', { text: 'Intercom workspace' }),
        h('dd', { class: 'mono', testid: 'workspace-id', text: s.workspaceId || record.intercomWorkspaceId || '—' }),
        h('dt', { text: 'Last batch from Amplitude' }),
        h('dd', { testid: 'last-batch', text: when(s.lastBatchAt) }),
      );
      fill(
        counters,
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
      fill(lastError, lastErrorBox(s.lastError));
      manage.update({ paused: s.status === 'Paused', canPause: !gone, gone });
      rotate.hidden = gone;
      if (!formShown && s.settings && !gone) {
        formShown = true;
        fill(settingsCard, await cohortSettingsForm(id, s.settings));
        settingsCard.hidden = false;
      }
      if (gone) settingsCard.hidden = true;
    },
  };
}
