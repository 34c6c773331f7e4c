// The onboarding of a new source, one step at a time: Connect to Intercom, choose the user property,
// listen for the first event (saying why events were dropped meanwhile), Connected.

import { alertBox, fill, h, hide, show } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { navigate } from '../../lib/router.js';
import { memory } from '../../lib/memory.js';
import { bodySchema, schemaForm } from '../../lib/schema.js';
import { count, countsSince, plural, sum } from '../../lib/format.js';
import { stepper } from '../../components/stepper.js';
import { reasonCounts } from '../../components/counters.js';

/** Which step a status shows; undefined when onboarding has nothing to show. */
function stepOf(status, chosen) {
  if (status.status === 'Error' || status.status === 'Paused' || status.status === 'Disconnected') return undefined;
  switch (status.phase) {
    case 'authorizing':
      return 'connect';
    case 'configuring':
      // The choice is saved; the workflow moves on to listening a moment later.
      return chosen || status.settings?.identityMapping ? 'listening' : 'identity';
    case 'listening':
      return 'listening';
    case 'streaming':
      return 'connected';
    default:
      return undefined;
  }
}

/**
 * `update(status)` shows the step of the status. "Connected" with its Finish button is the end of an onboarding
 * this view watched; a source that was connected before the page opened shows no onboarding at all.
 */
export async function onboardingCard(id, record) {
  const settingsSchema = await bodySchema('configureSource');
  const root = h('div', { class: 'card', testid: 'wizard', hidden: true });
  const project = record.amplitudeProjectId || '';
  let step;
  let watched = false;
  let chosen = false;
  let listening;

  const steps = {
    connect() {
      const error = alertBox('error', 'connect-error');
      const button = h('button', { type: 'button', testid: 'connect-intercom', text: 'Connect to Intercom' });
      button.addEventListener('click', async () => {
        button.disabled = true;
        hide(error);
        try {
          let url = memory.authorizeUrls.get(id);
          memory.authorizeUrls.delete(id); // single use
          if (!url) url = (await api('POST', `/api/sources/${enc(id)}/authorize`)).authorizeUrl;
          const target = new URL(url, location.href);
          if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error('unexpected authorize URL');
          location.assign(target.href);
        } catch (err) {
          show(error, err.message);
          button.disabled = false;
        }
      });
      return [
        stepper(1),
        h('h2', { text: 'Connect to Intercom' }),
        h('p', {
          text: `Authorize access to the Intercom workspace whose activity should stream into Amplitude project ${project}. You will sign in to Intercom and come back here.`,
        }),
        error,
        h('div', { class: 'actions' }, button),
      ];
    },
    identity(status) {
      const form = schemaForm(settingsSchema);
      const identity = form.field('identityMapping', { widget: 'choices', testid: 'identity' });
      const naming = form.field('eventNaming', { widget: 'choices', testid: 'naming' });
      if (status.settings?.identityMapping) identity.set(status.settings.identityMapping);
      if (status.settings?.eventNaming) naming.set(status.settings.eventNaming);
      const error = alertBox('error', 'identity-step-error');
      const next = h('button', { type: 'submit', testid: 'identity-next', text: 'Next' });
      return h(
        'form',
        {
          testid: 'identity-form',
          onsubmit: async (event) => {
            event.preventDefault();
            if (!identity.get()) {
              show(error, `${identity.label}: choose one.`);
              return;
            }
            next.disabled = true;
            hide(error);
            try {
              const saved = await api('PATCH', `/api/sources/${enc(id)}/settings`, form.value());
              chosen = true;
              showStep({ ...status, settings: saved.settings }, 'listening');
            } catch (err) {
              show(error, form.showIssues(err.message).join('\n'));
              next.disabled = false;
            }
          },
        },
        stepper(2),
        h('h2', { text: 'Choose the Intercom user property' }),
        identity.root,
        naming.root,
        error,
        h('div', { class: 'actions' }, next),
      );
    },
    listening(status) {
      listening = h('p', { class: 'muted', testid: 'listening-drops' });
      fillListening(status);
      return [
        stepper(3),
        h(
          'div',
          { class: 'listening', testid: 'listening' },
          h('div', { class: 'spinner', 'aria-hidden': 'true' }),
          h(
            'div',
            {},
            h('h2', { text: 'Listening for the first event…' }),
            h('p', {
              class: 'muted',
              text: 'Do something in Intercom (create a user, start a conversation). The connection is complete when Amplitude accepts the first event.',
            }),
            listening,
          ),
        ),
      ];
    },
    connected() {
      return [
        stepper(4),
        h(
          'div',
          { class: 'success', testid: 'connected' },
          h('span', { class: 'check', 'aria-hidden': 'true', text: '✓' }),
          h(
            'div',
            {},
            h('h2', { text: 'Connected' }),
            h('p', {
              class: 'muted',
              text: `Intercom events are streaming into Amplitude project ${project} as “[Intercom] <topic>” events.`,
            }),
          ),
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', testid: 'finish', text: 'Finish', onclick: () => navigate('/setup') }),
        ),
      ];
    },
  };

  /** While listening: what arrived since this connection began, and why none of it reached Amplitude yet. */
  function fillListening(status) {
    if (!listening) return;
    const earlier = status.earlier || {};
    const received = Math.max((status.received || 0) - (earlier.received || 0), 0);
    const dropped = countsSince(status.dropped, earlier.dropped);
    const droppedTotal = sum(dropped);
    if (received === 0) {
      fill(listening, 'Nothing received yet.');
      return;
    }
    const parts = [`Received ${plural(received, 'event')}`];
    if (status.pending > 0) parts.push(`${count(status.pending)} being sent`);
    fill(listening, [
      parts.join(', '),
      droppedTotal > 0 ? [`, dropped ${count(droppedTotal)}: `, reasonCounts(dropped)] : '',
      '.',
    ]);
  }

  function showStep(status, next) {
    step = next;
    listening = undefined;
    fill(root, steps[next](status));
  }

  return {
    root,
    update(status) {
      const next = stepOf(status, chosen);
      // Finish belongs to an onboarding seen on this page, not to a source connected long ago.
      const shown = next === 'connected' ? (watched ? next : undefined) : next;
      if (shown && shown !== 'connected') watched = true;
      root.hidden = !shown;
      if (shown && shown !== step) showStep(status, shown);
      if (!shown) step = undefined;
      if (shown === 'listening') fillListening(status);
    },
  };
}
