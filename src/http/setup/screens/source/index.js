// An Intercom → Amplitude source: onboarding, its Error state with the fix, activity (counters with reasons in
// words), backfill, settings and the Manage card.

import { card, fill, h } from '../../lib/dom.js';
import { bodySchema, choicesOf, schemaAt } from '../../lib/schema.js';
import { count, plural, when } from '../../lib/format.js';
import { navigate } from '../../lib/router.js';
import { memory } from '../../lib/memory.js';
import { stats, reasonCounts, reasonTag } from '../../components/counters.js';
import { lastErrorBox, problemCard } from '../../components/problem.js';
import { manageCard } from '../../components/manage.js';
import { credentialToggle } from '../../components/credentials.js';
import { describeReason } from '../../lib/reasons.js';
import { onboardingCard } from './onboarding.js';
import { backfillCard } from './backfill.js';
import { sourceSettingsCard } from './settings.js';

/** How delivered events' Amplitude user ids were found (status `identityResolution`). */
const IDENTITY_HOW = {
  payload: 'from the event',
  memory: 'remembered for the contact',
  lookup: 'looked up in Intercom',
  fallback: 'User ID as fallback',
};

export async function sourceView(id, record) {
  const settingsSchema = await bodySchema('configureSource');
  const titleOf = (field, value) =>
    choicesOf(schemaAt(settingsSchema, field)).find((c) => c.value === value)?.title || value;
  const [onboarding, backfill, settings] = await Promise.all([
    onboardingCard(id, record),
    backfillCard(id),
    sourceSettingsCard(id),
  ]);
  const problem = problemCard(id);
  const project = record.amplitudeProjectId || '';
  const state = h('div', { class: 'card', testid: 'state', hidden: true });
  const facts = h('dl', { class: 'facts' });
  const counters = h('div');
  const carried = h('div', { class: 'alert note', testid: 'counters-carried-over', hidden: true });
  const identityHow = h('p', { class: 'muted small', testid: 'identity-resolution', hidden: true });
  const lastError = h('div');
  const details = card('details', 'Activity', facts, carried, counters, identityHow, lastError);
  const replaceKey = credentialToggle(id, 'replace-amplitude-key', 'replace-key', 'Replace Amplitude API key');
  const manage = manageCard(id, { extras: [replaceKey.button], panels: [replaceKey.panel] });
  let shownState;

  function showState(status) {
    const which = status.status === 'Disconnected' ? 'disconnected' : status.status === 'Paused' ? 'paused' : undefined;
    state.hidden = !which;
    if (which === shownState) return;
    shownState = which;
    if (which === 'paused') {
      fill(
        state,
        h('h2', { text: 'Paused' }),
        h('p', {
          class: 'muted',
          text: 'Webhooks are still received and stored; delivery to Amplitude resumes when you resume the connection.',
        }),
      );
    } else if (which === 'disconnected') {
      const why = status.disconnectReason;
      fill(
        state,
        h('h2', { text: 'Disconnected' }),
        why && h('p', { testid: 'disconnect-reason' }, reasonTag(why), ': ', describeReason(why).help),
        h('p', {
          class: 'muted',
          text: 'This connection no longer receives Intercom events. Reconnect to create it again for the same project (you will need the Amplitude API key); its counters carry over.',
        }),
        h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            testid: 'reconnect',
            text: 'Reconnect',
            onclick: () => {
              memory.open = { kind: 'intercom_source', prefill: project };
              navigate('/setup');
            },
          }),
        ),
      );
    }
  }

  function showCarriedOver(status) {
    const earlier = status.earlier;
    carried.hidden = !earlier;
    if (!earlier) return;
    fill(carried, [
      `This source was reconnected on ${when(earlier.reconnectedAt)}. Its counters carry over from the earlier connection: `,
      `${plural(earlier.received, 'event')} received before then (${count(earlier.delivered)} delivered`,
      Object.keys(earlier.dropped || {}).length > 0 ? [', dropped: ', reasonCounts(earlier.dropped)] : '',
      ').',
    ]);
  }

  return {
    root: h('div', {}, onboarding.root, problem.root, state, details, backfill.root, settings.root, manage.root),
    async update(status) {
      onboarding.update(status);
      await problem.update(status);
      showState(status);
      const mapping = status.settings?.identityMapping;
      fill(
        facts,
        h('dt', { text: 'Amplitude project' }),
        h('dd', { class: 'mono', text: status.amplitudeProjectId || project || '—' }),
        h('dt', { text: 'Intercom workspace' }),
        h('dd', { class: 'mono', testid: 'workspace-id', text: status.workspaceId || '—' }),
        h('dt', { text: settingsSchema.properties.identityMapping.title }),
        h('dd', { testid: 'identity-mapping', text: mapping ? titleOf('identityMapping', mapping) : 'not chosen yet' }),
        h('dt', { text: settingsSchema.properties.eventNaming.title }),
        h('dd', {
          testid: 'event-naming',
          text: titleOf('eventNaming', status.settings?.eventNaming || schemaAt(settingsSchema, 'eventNaming').default),
        }),
        h('dt', { text: 'Connected since' }),
        h('dd', { text: when(status.connectedAt) }),
        h('dt', { text: 'Last event delivered' }),
        h('dd', { text: when(status.lastEventAt) }),
      );
      showCarriedOver(status);
      fill(
        counters,
        ...stats([
          { key: 'received', label: 'Received', value: status.received },
          { key: 'delivered', label: 'Delivered', value: status.delivered },
          { key: 'pending', label: 'Pending', value: status.pending, hint: 'Stored, waiting to be sent to Amplitude.' },
          { key: 'dropped', label: 'Dropped', value: status.dropped || {} },
        ]),
      );
      const hows = Object.entries(status.identityResolution || {}).filter(([, n]) => n > 0);
      identityHow.hidden = hows.length === 0;
      fill(
        identityHow,
        'Amplitude user IDs of delivered events: ',
        hows.map(([how, n]) => `${count(n)} ${IDENTITY_HOW[how] || how}`).join(', '),
        '.',
      );
      fill(lastError, lastErrorBox(status.lastError));
      backfill.update(status);
      settings.update(status);
      const gone = status.status === 'Disconnected' || status.phase === 'disconnecting';
      manage.update({
        paused: status.status === 'Paused',
        // Pausing holds delivery: it means something once the connection listens.
        canPause: status.phase === 'listening' || status.phase === 'streaming',
        gone,
      });
    },
  };
}
