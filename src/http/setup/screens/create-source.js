// "New Intercom source": the Amplitude project it streams into (step 1 of onboarding).

import { alertBox, h, hide, show } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { memory } from '../lib/memory.js';
import { bodySchema, schemaForm } from '../lib/schema.js';
import { stepper } from '../components/stepper.js';

export async function sourceForm({ prefill, close }) {
  const form = schemaForm(await bodySchema('createSource'));
  const project = form.field('amplitudeProjectId', { testid: 'source-project-id' });
  const apiKey = form.field('amplitudeApiKey', { testid: 'source-api-key' });
  const region = form.field('amplitudeRegion', { testid: 'source-region' });
  if (prefill) project.set(prefill);
  const error = alertBox('error', 'form-error');
  const submit = h('button', { type: 'submit', testid: 'source-create', text: 'Next' });
  return h(
    'form',
    {
      class: 'card',
      testid: 'source-form',
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        try {
          const created = await api('POST', '/api/sources', form.value());
          memory.authorizeUrls.set(created.connectionId, created.authorizeUrl);
          navigate(`/setup/connections/${enc(created.connectionId)}`);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
          submit.disabled = false;
        }
      },
    },
    h('h2', { text: 'New Intercom source' }),
    stepper(0),
    h('p', {
      class: 'muted',
      text: 'Intercom events will stream into this Amplitude project as “[Intercom] <topic>” events.',
    }),
    project.root,
    apiKey.root,
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
