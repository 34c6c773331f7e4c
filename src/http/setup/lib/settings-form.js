// What the settings forms of every kind share: save with one PATCH (the API's issues shown beside the fields),
// and, for the two syncs into Intercom, the contact mapping's fields and the status toggle.

import { alertBox, h, hide, show } from './dom.js';
import { api } from './api.js';

/**
 * A form that saves with one PATCH to `path`. testid: the prefix of its alerts' and Save's testids;
 * props: the form's own attributes; value: what to send (from form.value()); saved(result): after a save;
 * savedText: the note then; children: the fields, above the alerts (`after`: below them).
 */
export function patchForm(
  form,
  { path, testid, props = {}, value = (v) => v, saved, savedText = 'Saved.' },
  children,
  after = [],
) {
  const error = alertBox('error', `${testid}-error`);
  const savedNote = alertBox('ok', `${testid}-saved`);
  const save = h('button', { type: 'submit', testid: `${testid}-save`, text: 'Save' });
  return h(
    'form',
    {
      ...props,
      oninput: () => hide(savedNote),
      onsubmit: async (event) => {
        event.preventDefault();
        save.disabled = true;
        hide(error);
        hide(savedNote);
        form.clearIssues();
        try {
          const result = await api('PATCH', path, value(form.value()));
          saved?.(result);
          show(savedNote, savedText);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          save.disabled = false;
        }
      },
    },
    h('h2', { text: 'Settings' }),
    children,
    error,
    savedNote,
    after,
    h('div', { class: 'actions' }, save),
  );
}

/** A sync's contact mapping (Intercom user, and where its identifier comes from) and its status toggle. */
export function syncFields(form) {
  const intercomUser = form.field('mapping.intercomUser', { testid: 'setting-intercom-user', hint: false });
  const from = form.field('mapping.from', {
    testid: 'setting-from-kind',
    hint: false,
    fieldTestids: { name: 'setting-from-name' },
    placeholders: { name: 'property name' },
  });
  const status = form.field('status', { testid: 'setting-status' });
  return {
    status,
    mapping: (title) =>
      h(
        'div',
        { class: 'section' },
        h('h3', { text: title }),
        h('div', { class: 'row' }, intercomUser.root, from.root),
      ),
    /** "Disabled … nothing" explains Disabled only. */
    showStatusHint: () => {
      if (status.hint) status.hint.hidden = status.get() !== 'disabled';
    },
    set(settings) {
      intercomUser.set(settings.mapping.intercomUser);
      from.set(settings.mapping.from);
      status.set(settings.status);
    },
  };
}
