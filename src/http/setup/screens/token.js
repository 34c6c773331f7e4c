// The admin token prompt: the token is checked against the API before it is kept (in this tab only).

import { alertBox, h, hide, show } from '../lib/dom.js';
import { request, saveToken } from '../lib/api.js';
import { rerender } from '../lib/router.js';

export function renderTokenPrompt(main, notice) {
  const input = h('input', {
    id: 'admin-token',
    type: 'password',
    autocomplete: 'off',
    testid: 'admin-token-input',
    placeholder: 'ADMIN_TOKEN',
    required: true,
  });
  const error = alertBox('error', 'token-error');
  const submit = h('button', { type: 'submit', testid: 'admin-token-submit', text: 'Continue' });
  const form = h(
    'form',
    {
      class: 'card',
      testid: 'token-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const given = input.value.trim();
        if (!given) return;
        submit.disabled = true;
        hide(error);
        try {
          await request('GET', '/api/connections', undefined, given);
          saveToken(given);
          rerender();
        } catch (err) {
          show(error, err.status === 401 ? 'That token was not accepted.' : err.message);
          submit.disabled = false;
        }
      },
    },
    h('h1', { text: 'Admin token' }),
    h('p', {
      class: 'muted',
      text: 'Enter the service’s admin token (ADMIN_TOKEN). It stays in this browser tab only and is sent with every call to the admin API.',
    }),
    notice && h('div', { class: 'alert note', text: notice }),
    h('div', { class: 'field' }, h('label', { for: 'admin-token', text: 'Admin token' }), input),
    error,
    h('div', { class: 'actions' }, submit),
  );
  main.append(form);
  input.focus();
}
