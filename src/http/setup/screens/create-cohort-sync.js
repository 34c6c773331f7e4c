// "New cohort sync" (Amplitude cohorts → Intercom tags): its name, the Intercom workspace's access token, and
// the tag's name (empty: "Amplitude: <cohort name>").

import { alertBox, h, hide, show } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { memory } from '../lib/memory.js';
import { bodySchema, schemaForm } from '../lib/schema.js';

export async function cohortSyncForm({ close }) {
  const form = schemaForm(await bodySchema('createCohortSync'));
  const name = form.field('name', { testid: 'cohort-name' });
  const token = form.field('intercomAccessToken', { testid: 'cohort-token' });
  const region = form.field('intercomRegion', { testid: 'cohort-region' });
  const error = alertBox('error', 'form-error');
  const submit = h('button', { type: 'submit', testid: 'cohort-create', text: 'Create cohort sync' });
  return h(
    'form',
    {
      class: 'card',
      testid: 'cohort-form',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        try {
          const created = await api('POST', '/api/cohort-syncs', form.value());
          memory.ingestKeys.set(created.connectionId, { key: created.ingestKey, endpoint: created.endpoint });
          navigate(`/setup/connections/${enc(created.connectionId)}`);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
          submit.disabled = false;
        }
      },
    },
    h('h2', { text: 'New cohort sync' }),
    h('p', {
      class: 'muted',
      text: 'Keeps Amplitude cohorts as Intercom tags: members entering a cohort get its tag, members leaving lose it. It starts disabled: choose the tag name and mapping, then enable it.',
    }),
    name.root,
    token.root,
    region.root,
    error,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: close }),
    ),
  );
}
