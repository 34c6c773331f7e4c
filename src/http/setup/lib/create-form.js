// The "New …" form every connection kind shares: fields generated from the admin API's body schema, then a
// submit that posts them and opens the created connection, or shows the API's issues beside the fields.

import { alertBox, h, hide, show } from './dom.js';
import { api, enc } from './api.js';
import { navigate } from './router.js';
import { bodySchema, schemaForm } from './schema.js';

/**
 * route: the admin API route (its body schema) and the path to post to; fields: body field → testid, in order;
 * prefill: field → value; testid: the prefix of the form's and its submit's testids; heading: nodes between the
 * title and the fields; created: remembers what the answer shows once (an ingest key, an authorize URL).
 */
export async function createForm({
  route,
  path,
  fields,
  prefill = {},
  testid,
  title,
  heading,
  submitText,
  created,
  close,
}) {
  const form = schemaForm(await bodySchema(route));
  const inputs = Object.entries(fields).map(([field, fieldTestid]) => form.field(field, { testid: fieldTestid }));
  Object.entries(fields).forEach(([field], i) => {
    if (prefill[field]) inputs[i].set(prefill[field]);
  });
  const error = alertBox('error', 'form-error');
  const submit = h('button', { type: 'submit', testid: `${testid}-create`, text: submitText });
  return h(
    'form',
    {
      class: 'card',
      testid: `${testid}-form`,
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        try {
          const answer = await api('POST', path, form.value());
          created(answer);
          navigate(`/setup/connections/${enc(answer.connectionId)}`);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
          submit.disabled = false;
        }
      },
    },
    h('h2', { text: title }),
    heading,
    inputs.map((input) => input.root),
    error,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: close }),
    ),
  );
}
