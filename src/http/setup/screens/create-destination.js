// "New Amplitude → Intercom sync": its name and the Intercom workspace's access token.

import { alertBox, h, hide, show } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { memory } from '../lib/memory.js';
import { bodySchema, schemaForm } from '../lib/schema.js';

export async function destinationForm({ close }) {
  const form = schemaForm(await bodySchema('createDestination'));
  const name = form.field('name', { testid: 'destination-name' });
  const token = form.field('intercomAccessToken', { testid: 'destination-token' });
  const region = form.field('intercomRegion', { testid: 'destination-region' });
  const error = alertBox('error', 'form-error');
  const submit = h('button', { type: 'submit', testid: 'destination-create', text: 'Create sync' });
  return h(
    'form',
    {
      class: 'card',
      testid: 'destination-form',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        try {
          const created = await api('POST', '/api/destinations', form.value());
          memory.ingestKeys.set(created.connectionId, { key: created.ingestKey, endpoints: created.endpoints });
          navigate(`/setup/connections/${enc(created.connectionId)}`);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
          submit.disabled = false;
        }
      },
    },
    h('h2', { text: 'New Amplitude → Intercom sync' }),
    h('p', {
      class: 'muted',
      text: 'Sends Amplitude events and user properties to one Intercom workspace. Everything starts off: choose what to send after creating it.',
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
