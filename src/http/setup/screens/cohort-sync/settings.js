// A cohort sync's settings (tag name, mapping, status), rendered from the settings route's schema.

import { h } from '../../lib/dom.js';
import { enc } from '../../lib/api.js';
import { bodySchema, schemaForm } from '../../lib/schema.js';
import { patchSettingsForm } from '../../lib/api-form.js';
import { syncFields } from '../../lib/settings-form.js';

export async function cohortSettingsForm(id, initial) {
  const form = schemaForm(await bodySchema('updateCohortSettings'));
  const tagName = form.field('tagName', { testid: 'setting-tag-name', placeholder: 'Amplitude: <cohort name>' });
  const sync = syncFields(form);

  const showSettings = (settings) => {
    tagName.set(settings.tagName ?? '');
    sync.set(settings);
    sync.showStatusHint();
  };
  sync.status.onChange(sync.showStatusHint);

  const root = patchSettingsForm(
    form,
    {
      path: `/api/cohort-syncs/${enc(id)}/settings`,
      testid: 'settings',
      props: { testid: 'settings-form' },
      value: (value) => {
        // An empty tag name goes back to the default, "Amplitude: <cohort name>".
        if (!value.tagName || !String(value.tagName).trim()) value.tagName = null;
        return value;
      },
      saved: (result) => showSettings(result.settings),
    },
    [
      h('div', { class: 'section' }, tagName.root),
      sync.mapping('Mapping'),
      h('div', { class: 'section' }, sync.status.root),
    ],
  );
  showSettings(initial);
  return root;
}
