// Event-type slots: Intercom keeps a limited number of active event names per workspace. The names our syncs
// sent to the workspace, with their last use; names archived in Intercom can be released here.

import { alertBox, busy, fill, h, hide, show, table } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { count, when } from '../../lib/format.js';

const NAME_STATUS = { active: 'Active', rejected: 'Refused by Intercom (limit reached)' };

export function eventTypesCard(id) {
  const summary = h('p', { testid: 'slots-used' });
  const meter = h('div', { class: 'meter' }, h('span'));
  const body = h('tbody');
  const list = table(
    'event-types-table',
    [{ class: 'narrow' }, 'Event name', 'Status', 'First sent', 'Last used'],
    body,
  );
  const empty = h('p', { class: 'muted', testid: 'event-types-empty', text: 'No event names have been sent yet.' });
  const error = alertBox('error', 'event-types-error');
  const released = alertBox('ok', 'event-types-released');
  const release = h('button', {
    type: 'button',
    class: 'secondary',
    testid: 'release-event-types',
    text: 'Release selected',
  });
  const root = h(
    'div',
    { class: 'card', testid: 'event-types-card', hidden: true },
    h('h2', { text: 'Event-type slots' }),
    summary,
    meter,
    h('p', {
      class: 'muted small',
      text: 'Names are shared by every sync to this Intercom workspace. To free a slot, archive the name in Intercom (Settings → Data → Events), then release it here; releasing a name Intercom still has active frees nothing there.',
    }),
    empty,
    list,
    error,
    released,
    h('div', { class: 'actions' }, release),
  );
  let lastKey;

  async function refresh() {
    const data = await api('GET', `/api/destinations/${enc(id)}/event-types`);
    summary.textContent = `${count(data.used)} of ${count(data.limit)} active event names used in the workspace.`;
    meter.firstChild.style.width = `${Math.min(100, (100 * data.used) / Math.max(data.limit, 1))}%`;
    meter.classList.toggle('full', data.used >= data.limit);
    fill(
      body,
      ...data.eventTypes.map((t) =>
        h(
          'tr',
          { testid: 'event-type-row', 'data-name': t.name },
          h('td', {}, h('input', { type: 'checkbox', value: t.name, 'aria-label': `Release ${t.name}` })),
          h('td', { class: 'mono', text: t.name }),
          h('td', { text: NAME_STATUS[t.status] || t.status }),
          h('td', { text: when(t.firstSeenAt) }),
          h('td', { testid: 'event-type-last-used', text: t.lastUsedAt ? when(t.lastUsedAt) : 'never' }),
        ),
      ),
    );
    const none = data.eventTypes.length === 0;
    empty.hidden = !none;
    list.hidden = none;
    release.hidden = none;
  }

  release.addEventListener('click', async () => {
    const names = [...body.querySelectorAll('input:checked')].map((input) => input.value);
    hide(released);
    if (names.length === 0) {
      show(error, 'Select the names to release.');
      return;
    }
    if (!window.confirm(`Release ${names.length} name(s)? Only do this for names archived in Intercom.`)) return;
    await busy(release, error, async () => {
      const result = await api('POST', `/api/destinations/${enc(id)}/event-types/release`, { names });
      show(
        released,
        [
          result.released.length > 0 && `Released: ${result.released.join(', ')}.`,
          result.unknown.length > 0 && `Not registered: ${result.unknown.join(', ')}.`,
        ]
          .filter(Boolean)
          .join(' '),
      );
      await refresh();
    });
  });

  return {
    root,
    /** Reloads the list when what was sent or the slots in use changed (and on first show). */
    async update(status, gone) {
      root.hidden = gone;
      if (gone) return;
      const key = `${status.sent}/${status.eventTypes?.used}`;
      if (key === lastKey) return;
      lastKey = key;
      try {
        await refresh();
        hide(error);
      } catch (err) {
        show(error, err.message);
      }
    },
  };
}
