// What the two syncs into Intercom (an Amplitude → Intercom sync, a cohort sync) show alike: the ingest key
// (once, on creation or after "New ingest key"; only its hash is stored), the Activity card, the settings card
// and the Manage card with "New ingest key" and "Replace Intercom access token". Each view adds its own facts,
// counters and cards.

import { busy, card, fill, h } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { when } from '../lib/format.js';
import { memory } from '../lib/memory.js';
import { lastErrorBox, problemCard } from './problem.js';
import { manageCard } from './manage.js';
import { credentialToggle } from './credentials.js';

/** The ingest key card: `content(key)` says how to use the key; "I have saved it" hides it. */
export function ingestKeyCard(content) {
  const root = h('div', { class: 'card', testid: 'ingest-key-card', hidden: true });
  return {
    root,
    show(key) {
      fill(
        root,
        content(key),
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

/**
 * The cards of a sync's view. keyContent: as for ingestKeyCard; breakdownTestid: the list under the counters;
 * extras: the kind's own Manage buttons (after the shared ones).
 */
export function syncCards(id, { keyContent, breakdownTestid, extras = [] }) {
  const keyCard = ingestKeyCard(keyContent);
  const problem = problemCard(id);
  const facts = h('dl', { class: 'facts' });
  const counters = h('div');
  const breakdown = h('ul', { class: 'breakdown', testid: breakdownTestid });
  const lastError = h('div');
  const activity = card('details', 'Activity', facts, counters, breakdown, lastError);
  const settingsCard = h('div', { class: 'card', testid: 'settings-card', hidden: true });
  const rotate = h('button', {
    type: 'button',
    class: 'secondary',
    testid: 'rotate-ingest-key',
    text: 'New ingest key',
  });
  const replaceToken = credentialToggle(id, 'replace-intercom-token', 'replace-token', 'Replace Intercom access token');
  const manage = manageCard(id, { extras: [rotate, replaceToken.button, ...extras], panels: [replaceToken.panel] });
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

  return {
    keyCard,
    problem,
    activity,
    settingsCard,
    manage,
    counters,
    breakdown,
    /**
     * Shows what every sync's status has; `last` is the fact under the workspace ([label, time, testid]),
     * `settingsForm` renders the settings card once. Answers whether the sync is gone.
     */
    async update(s, record, { last, settingsForm }) {
      const gone = s.status === 'Disconnected' || !s.settings;
      await problem.update(s);
      const [label, at, testid] = last;
      fill(
        facts,
        h('dt', { text: 'Intercom workspace' }),
        h('dd', { class: 'mono', testid: 'workspace-id', text: s.workspaceId || record.intercomWorkspaceId || '—' }),
        h('dt', { text: label }),
        h('dd', { testid, text: when(at) }),
      );
      fill(lastError, lastErrorBox(s.lastError));
      manage.update({ paused: s.status === 'Paused', canPause: !gone, gone });
      rotate.hidden = gone;
      if (!formShown && s.settings && !gone) {
        formShown = true;
        fill(settingsCard, await settingsForm(id, s.settings));
        settingsCard.hidden = false;
      }
      if (gone) settingsCard.hidden = true;
      return gone;
    },
  };
}
