// Replacing a credential (the source's Amplitude API key, a sync's Intercom access token): a one-field form
// rendered from the route's body schema, used by the Error state and by the Manage card.

import { alertBox, h, hide, show } from '../lib/dom.js';
import { api, enc } from '../lib/api.js';
import { bodySchema, schemaForm } from '../lib/schema.js';

export const CREDENTIALS = {
  'replace-amplitude-key': {
    operationId: 'replaceSourceApiKey',
    path: (id) => `/api/sources/${enc(id)}/amplitude-key`,
    field: 'amplitudeApiKey',
    button: 'Replace API key',
    done: 'The API key was replaced. Waiting events are sent again.',
  },
  'replace-intercom-token': {
    operationId: 'replaceDestinationToken',
    path: (id) => `/api/destinations/${enc(id)}/token`,
    field: 'intercomAccessToken',
    button: 'Replace access token',
    done: 'The access token was replaced. Waiting events are sent again.',
  },
};

/** The form of one credential (`which`: a key of CREDENTIALS); `testid` prefixes its parts. */
export async function credentialForm(id, which, testid) {
  const spec = CREDENTIALS[which];
  const form = schemaForm(await bodySchema(spec.operationId));
  const secret = form.field(spec.field, { testid: `${testid}-input` });
  const error = alertBox('error', `${testid}-error`);
  const done = alertBox('ok', `${testid}-done`);
  const submit = h('button', { type: 'submit', testid: `${testid}-submit`, text: spec.button });
  return h(
    'form',
    {
      class: 'inline-form',
      testid,
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        hide(done);
        try {
          await api('PUT', spec.path(id), form.value());
          secret.set('');
          show(done, spec.done);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          submit.disabled = false;
        }
      },
    },
    secret.root,
    error,
    done,
    h('div', { class: 'actions' }, submit),
  );
}

/** A button that opens (and closes) a credential form below the card's actions. */
export function credentialToggle(id, which, testid, label) {
  const panel = h('div', { class: 'panel', hidden: true });
  const button = h('button', { type: 'button', class: 'secondary', testid: `${testid}-open`, text: label });
  button.addEventListener('click', async () => {
    if (!panel.hidden) {
      panel.hidden = true;
      return;
    }
    if (!panel.firstChild) panel.append(await credentialForm(id, which, testid));
    panel.hidden = false;
    panel.querySelector('input')?.focus();
  });
  return { button, panel };
}
