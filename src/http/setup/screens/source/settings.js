// A source's settings after onboarding: the Intercom user property and how events are named.

import { enc } from '../../lib/api.js';
import { patchSettingsForm } from '../../lib/api-form.js';
import { bodySchema, schemaForm } from '../../lib/schema.js';

export async function sourceSettingsCard(id) {
  const form = schemaForm(await bodySchema('configureSource'));
  const identity = form.field('identityMapping', { testid: 'source-setting-identity' });
  const naming = form.field('eventNaming', { widget: 'choices', testid: 'source-setting-naming' });
  let filled = false;
  const root = patchSettingsForm(
    form,
    {
      path: `/api/sources/${enc(id)}/settings`,
      testid: 'source-settings',
      props: { class: 'card', testid: 'source-settings', hidden: true },
      savedText: 'Saved. New events follow these settings.',
    },
    [identity.root, naming.root],
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
