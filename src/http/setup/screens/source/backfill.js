// Backfill: import a window of Intercom history into Amplitude, and its progress (the status's `backfill`).

import { fill, h } from '../../lib/dom.js';
import { enc } from '../../lib/api.js';
import { apiForm } from '../../lib/api-form.js';
import { bodySchema, choicesOf, schemaForm } from '../../lib/schema.js';
import { count, plural, when } from '../../lib/format.js';

const STATE_WORDS = { queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed' };

export async function backfillCard(id) {
  const form = schemaForm(await bodySchema('backfill'));
  const since = form.field('since', { testid: 'backfill-since' });
  const until = form.field('until', { testid: 'backfill-until' });
  const objects = form.field('objects', { testid: 'backfill-objects' });
  const objectTitles = Object.fromEntries(choicesOf(objects.schema).map((c) => [c.value, c.title]));
  const progress = h('div', { class: 'progress', testid: 'backfill-progress', hidden: true });
  const root = h(
    'div',
    { class: 'card', testid: 'backfill-card', hidden: true },
    h('h2', { text: 'Backfill' }),
    h('p', {
      class: 'muted',
      text: 'Import Intercom history into Amplitude: contacts and conversations created or updated in a window. Events already sent are not sent twice.',
    }),
    progress,
    apiForm(
      form,
      {
        method: 'POST',
        path: `/api/connections/${enc(id)}/backfill`,
        testids: { error: 'backfill-error', done: 'backfill-sent', submit: 'backfill-start' },
        props: { testid: 'backfill-form' },
        doneText: 'Backfill requested; its progress shows above.',
        submitText: 'Start backfill',
      },
      [h('div', { class: 'row' }, since.root, until.root), objects.root],
    ),
  );

  function showProgress(backfill, queued) {
    if (!backfill) {
      progress.hidden = true;
      return;
    }
    const lines = Object.entries(backfill.objects || {}).map(([object, p]) =>
      h(
        'li',
        { testid: `backfill-${object}` },
        `${objectTitles[object] || object}: ${count(p.scanned)} scanned, ${count(p.imported)} imported`,
        p.done ? ' ✓' : '…',
      ),
    );
    fill(
      progress,
      h(
        'p',
        {},
        h('span', {
          class: `badge ${backfill.status === 'completed' ? 'ok' : backfill.status === 'failed' ? 'bad' : 'info'}`,
          testid: 'backfill-state',
          text: STATE_WORDS[backfill.status] || backfill.status,
        }),
        ` ${when(backfill.since)} → ${when(backfill.until)}`,
        queued > 0 ? ` (then ${plural(queued, 'more backfill')} queued)` : '',
      ),
      lines.length > 0 && h('ul', { class: 'breakdown' }, lines),
      backfill.error && h('div', { class: 'alert error', testid: 'backfill-failure', text: backfill.error }),
    );
    progress.hidden = false;
  }

  return {
    root,
    update(status) {
      // Backfills run once the source is authorized and configured, until it is disconnected.
      root.hidden = !['listening', 'streaming'].includes(status.phase);
      showProgress(status.backfill, status.backfillsQueued || 0);
    },
  };
}
