// One connection: its header, and the screen of its kind (screens/kinds.js), refreshed from its status.

import { alertBox, h, hide, show } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { isCurrent, navLink, poll } from '../lib/router.js';
import { badge, setBadge } from '../components/badge.js';
import { KINDS, kindLabel } from './kinds.js';

const POLL_MS = 1000;

export async function renderConnection(main, id, gen) {
  const loading = h('p', { class: 'muted', text: 'Loading…' });
  main.append(navLink('/setup', { class: 'back', testid: 'back-link', text: '← All connections' }), loading);
  const fail = (message) =>
    loading.replaceWith(h('div', { class: 'alert error', testid: 'page-error', text: message }));
  let record;
  try {
    const data = await api('GET', '/api/connections');
    record = data.connections.find((c) => c.id === id);
  } catch (err) {
    if (isCurrent(gen)) fail(err.message);
    return;
  }
  if (!isCurrent(gen)) return;
  if (!record) return fail(`There is no connection ${id}.`);
  const kind = KINDS[record.kind];
  if (!kind) return fail(`This page cannot show ${record.kind} connections yet.`);

  const statusBadge = badge(record.status, 'status');
  const error = alertBox('error', 'page-error');
  let view;
  try {
    view = await kind.view(id, record, gen);
  } catch (err) {
    if (isCurrent(gen)) fail(err.message);
    return;
  }
  if (!isCurrent(gen)) return;
  loading.remove();
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', { testid: 'connection-name', text: record.name || id }),
        h(
          'div',
          { class: 'muted small' },
          kindLabel(record.kind),
          ' · ',
          h('span', { class: 'mono', text: id }),
          ' · workflow ',
          h('span', { class: 'mono', text: record.workflowId }),
        ),
      ),
      statusBadge,
    ),
    error,
    view.root,
  );
  poll(gen, POLL_MS, async () => {
    try {
      const status = await api('GET', `/api/connections/${enc(id)}`);
      if (!isCurrent(gen)) return;
      hide(error);
      setBadge(statusBadge, status.status);
      await view.update(status);
    } catch (err) {
      if (isCurrent(gen)) show(error, err.message);
      throw err;
    }
  });
}
