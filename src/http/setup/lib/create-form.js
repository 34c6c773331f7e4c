// The "New …" form every connection kind shares: fields generated from the admin API's body schema, then a
// submit that posts them and opens the created connection, or shows the API's issues beside the fields.

import { h } from './dom.js';
import { enc } from './api.js';
import { apiForm } from './api-form.js';
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
  return apiForm(
    form,
    {
      method: 'POST',
      path,
      testids: { error: 'form-error', submit: `${testid}-create` },
      props: { class: 'card', testid: `${testid}-form` },
      // What the answer shows only once is kept for the connection's page, which opens at once.
      done: (answer) => {
        created(answer);
        navigate(`/setup/connections/${enc(answer.connectionId)}`);
      },
      submitText,
      actions: [h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: close })],
    },
    [h('h2', { text: title }), heading, inputs.map((input) => input.root)],
  );
}
