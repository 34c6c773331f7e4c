// A cohort sync's settings (tag name, mapping, status), rendered from the settings route's schema.

import { alertBox, h, hide, show } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { bodySchema, schemaForm } from '../../lib/schema.js';

export async function cohortSettingsForm(id, initial) {
  const form = schemaForm(await bodySchema('updateCohortSettings'));
  const tagName = form.field('tagName', { testid: 'setting-tag-name', placeholder: 'Amplitude: <cohort name>' });
  const intercomUser = form.field('mapping.intercomUser', { testid: 'setting-intercom-user', hint: false });
  const from = form.field('mapping.from', {
    testid: 'setting-from-kind',
    hint: false,
    fieldTestids: { name: 'setting-from-name' },
    placeholders: { name: 'property name' },
  });
  const status = form.field('status', { testid: 'setting-status' });
  const error = alertBox('error', 'settings-error');
  const saved = alertBox('ok', 'settings-saved');
  const save = h('button', { type: 'submit', testid: 'settings-save', text: 'Save' });

  const showSettings = (settings) => {
    tagName.set(settings.tagName ?? '');
    intercomUser.set(settings.mapping.intercomUser);
    from.set(settings.mapping.from);
    status.set(settings.status);
    if (status.hint) status.hint.hidden = status.get() !== 'disabled';
  };
  status.onChange(() => {
    if (status.hint) status.hint.hidden = status.get() !== 'disabled';
  });

  const root = h(
    'form',
    {
      testid: 'settings-form',
      oninput: () => hide(saved),
      onsubmit: async (event) => {
        event.preventDefault();
        save.disabled = true;
        hide(error);
        hide(saved);
        form.clearIssues();
        try {
          const value = form.value();
          // An empty tag name goes back to the default, "Amplitude: <cohort name>".
          if (!value.tagName || !String(value.tagName).trim()) value.tagName = null;
          const result = await api('PATCH', `/api/cohort-syncs/${enc(id)}/settings`, value);
          showSettings(result.settings);
          show(saved, 'Saved.');
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          save.disabled = false;
        }
      },
    },
    h('h2', { text: 'Settings' }),
    h('div', { class: 'section' }, tagName.root),
    h(
      'div',
      { class: 'section' },
      h('h3', { text: 'Mapping' }),
      h('div', { class: 'row' }, intercomUser.root, from.root),
    ),
    h('div', { class: 'section' }, status.root),
    error,
    saved,
    h('div', { class: 'actions' }, save),
  );
  showSettings(initial);
  return root;
}
