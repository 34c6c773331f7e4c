// Replacing a credential (the source's Amplitude API key, a sync's Intercom access token): a one-field form
// rendered from the route's body schema, used by the Error state and by the Manage card.

import { h } from '../lib/dom.js';
import { enc } from '../lib/api.js';
import { apiForm } from '../lib/api-form.js';
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
  return apiForm(
    form,
    {
      method: 'PUT',
      path: spec.path(id),
      testids: { error: `${testid}-error`, done: `${testid}-done`, submit: `${testid}-submit` },
      props: { class: 'inline-form', testid },
      done: () => secret.set(''),
      doneText: spec.done,
      submitText: spec.button,
    },
    secret.root,
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
