// The list of connections, with the buttons that open a creation form.

import { alertBox, fill, h, hide, show, table } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { isCurrent, navLink, poll } from '../lib/router.js';
import { memory } from '../lib/memory.js';
import { badge } from '../components/badge.js';
import { KINDS, kindLabel } from './kinds.js';

const LIST_POLL_MS = 2000;

export function renderList(main, gen) {
  const slot = h('div');
  const error = alertBox('error', 'page-error');
  const body = h('tbody');
  const empty = h(
    'div',
    { class: 'empty', testid: 'connections-empty', hidden: true },
    'No connections yet. Create an Intercom source or an Amplitude → Intercom sync.',
  );
  const openForm = async (kind, prefill) => {
    fill(slot, h('p', { class: 'muted', text: 'Loading…' }));
    try {
      const form = await KINDS[kind].createForm({ prefill, close: () => slot.replaceChildren() });
      if (!isCurrent(gen)) return;
      fill(slot, form);
      form.querySelector('input')?.focus();
    } catch (err) {
      fill(slot, h('div', { class: 'alert error', testid: 'form-error', text: err.message }));
    }
  };
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', { text: 'Connections' }),
        h('p', { class: 'muted', text: 'Intercom sources and Amplitude → Intercom syncs.' }),
      ),
      h(
        'div',
        { class: 'actions' },
        Object.entries(KINDS).map(([kind, { newButton }], index) =>
          h('button', {
            type: 'button',
            class: index > 0 ? 'secondary' : undefined,
            testid: newButton.testid,
            text: newButton.text,
            onclick: () => openForm(kind),
          }),
        ),
      ),
    ),
    slot,
    error,
    h(
      'div',
      { class: 'card' },
      table('connections-table', ['Name', 'Type', 'Amplitude project / Intercom workspace', 'Status'], body),
      empty,
    ),
  );
  if (memory.open) {
    void openForm(memory.open.kind, memory.open.prefill);
    memory.open = null;
  }
  poll(gen, LIST_POLL_MS, async () => {
    try {
      const data = await api('GET', '/api/connections');
      if (!isCurrent(gen)) return;
      hide(error);
      const rows = data.connections.map((c) =>
        h(
          'tr',
          { testid: 'connection-row', 'data-connection-id': c.id },
          h(
            'td',
            {},
            navLink(`/setup/connections/${enc(c.id)}`, { testid: 'connection-link', text: c.name || c.id }),
            h('div', { class: 'muted small mono', text: c.id }),
          ),
          h('td', { text: kindLabel(c.kind) }),
          h('td', {
            class: 'mono',
            text: [c.amplitudeProjectId, c.intercomWorkspaceId].filter(Boolean).join(' / ') || '—',
          }),
          h('td', {}, badge(c.status, 'connection-status')),
        ),
      );
      fill(body, rows);
      empty.hidden = rows.length > 0;
    } catch (err) {
      if (isCurrent(gen)) show(error, err.message);
      throw err;
    }
  });
}
