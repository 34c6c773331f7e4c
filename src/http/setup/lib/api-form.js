// A form that sends what its fields hold to one admin API route: the API's issues are shown beside the fields,
// and a note says it was done. Used by the create, settings, credential and backfill forms.

import { alertBox, h, hide, show } from './dom.js';
import { api } from './api.js';

/**
 * method and path: the route; testids: of the error and done alerts and of the submit button; props: the form's
 * own attributes; value: what to send (from form.value()); done(result): after success, before `doneText` shows;
 * actions: buttons beside the submit; children: the fields, above the alerts (`after`: below them).
 */
export function apiForm(form, options, children, after = []) {
  const {
    method,
    path,
    testids,
    props = {},
    value = (v) => v,
    done,
    doneText,
    submitText = 'Save',
    actions = [],
  } = options;
  const error = alertBox('error', testids.error);
  const doneNote = alertBox('ok', testids.done);
  const submit = h('button', { type: 'submit', testid: testids.submit, text: submitText });
  return h(
    'form',
    {
      ...props,
      oninput: () => hide(doneNote),
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        hide(error);
        hide(doneNote);
        form.clearIssues();
        try {
          const result = await api(method, path, value(form.value()));
          done?.(result);
          if (doneText) show(doneNote, doneText);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          submit.disabled = false;
        }
      },
    },
    children,
    error,
    doneNote,
    after,
    h('div', { class: 'actions' }, submit, actions),
  );
}

/** A settings form: saved with one PATCH; `testid` prefixes its alerts and its Save button. */
export function patchSettingsForm(form, { testid, saved, savedText = 'Saved.', ...options }, children, after = []) {
  return apiForm(
    form,
    {
      ...options,
      method: 'PATCH',
      testids: { error: `${testid}-error`, done: `${testid}-saved`, submit: `${testid}-save` },
      done: saved,
      doneText: savedText,
    },
    [h('h2', { text: 'Settings' }), children],
    after,
  );
}
