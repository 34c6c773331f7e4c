// The Manage card every connection has: the kind's own actions, pause/resume and disconnect (confirmed).

import { alertBox, busy, h } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';

/** `extras`: buttons and panels of the connection's kind, shown before pause/resume/disconnect. */
export function manageCard(id, { extras = [], panels = [] } = {}) {
  const error = alertBox('error', 'action-error');
  const pause = h('button', { type: 'button', class: 'secondary', testid: 'pause', text: 'Pause' });
  const resume = h('button', { type: 'button', class: 'secondary', testid: 'resume', text: 'Resume', hidden: true });
  const disconnect = h('button', { type: 'button', class: 'danger', testid: 'disconnect', text: 'Disconnect' });
  const action = (name, button, question) => async () => {
    if (question && !window.confirm(question)) return;
    await busy(button, error, () => api('POST', `/api/connections/${enc(id)}/${name}`));
  };
  pause.addEventListener('click', action('pause', pause));
  resume.addEventListener('click', action('resume', resume));
  disconnect.addEventListener(
    'click',
    action(
      'disconnect',
      disconnect,
      'Disconnect this connection? Its workflow stops and its Intercom access is removed.',
    ),
  );
  const root = h(
    'div',
    { class: 'card', testid: 'controls' },
    h('h2', { text: 'Manage' }),
    error,
    h('div', { class: 'actions' }, extras, pause, resume, disconnect),
    panels,
  );
  return {
    root,
    error,
    /** `paused`: show Resume instead of Pause; `canPause`: pausing means anything now; `gone`: hide the card. */
    update({ paused, canPause, gone }) {
      root.hidden = gone;
      pause.hidden = paused || !canPause;
      resume.hidden = !paused;
    },
  };
}
