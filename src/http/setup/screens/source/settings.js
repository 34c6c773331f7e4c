// A source's settings after onboarding: the Intercom user property and how events are named.

import { alertBox, h, hide, show } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
import { bodySchema, schemaForm } from '../../lib/schema.js';

export async function sourceSettingsCard(id) {
  const form = schemaForm(await bodySchema('configureSource'));
  const identity = form.field('identityMapping', { testid: 'source-setting-identity' });
  const naming = form.field('eventNaming', { widget: 'choices', testid: 'source-setting-naming' });
  const error = alertBox('error', 'source-settings-error');
  const saved = alertBox('ok', 'source-settings-saved');
  const save = h('button', { type: 'submit', testid: 'source-settings-save', text: 'Save' });
  let filled = false;
  const root = h(
    'form',
    {
      class: 'card',
      testid: 'source-settings',
      hidden: true,
      oninput: () => hide(saved),
      onsubmit: async (event) => {
        event.preventDefault();
        save.disabled = true;
        hide(error);
        hide(saved);
        try {
          await api('PATCH', `/api/sources/${enc(id)}/settings`, form.value());
          show(saved, 'Saved. New events follow these settings.');
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          save.disabled = false;
        }
      },
    },
    h('h2', { text: 'Settings' }),
    identity.root,
    naming.root,
    error,
    saved,
    h('div', { class: 'actions' }, save),
  );
  return {
    root,
    update(status) {
      root.hidden = !['listening', 'streaming'].includes(status.phase);
      if (!filled && !root.hidden) {
        // Filled once: the poll must not overwrite what the user is choosing.
        filled = true;
        if (status.settings?.identityMapping) identity.set(status.settings.identityMapping);
        naming.set(status.settings?.eventNaming || naming.schema.default);
      }
    },
  };
}
