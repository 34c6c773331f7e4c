// Every setting of a sync, rendered from the settings route's schema. Save sends one PATCH; the API's
// validation is shown beside the fields, and its warnings (e.g. Intercom's metadata key limit) below.

import { alertBox, h, hide, show } from '../../lib/dom.js';
import { enc } from '../../lib/api.js';
import { patchSettingsForm } from '../../lib/api-form.js';
import { syncFields } from '../../lib/settings-form.js';
import { bodySchema, schemaAt, schemaForm } from '../../lib/schema.js';
import { plural } from '../../lib/format.js';

export async function settingsForm(id, initial) {
  const form = schemaForm(await bodySchema('updateDestinationSettings'));
  const usersEnabled = form.field('createUpdateUsers.enabled', { testid: 'setting-users-enabled' });
  const userProperties = form.field('createUpdateUsers.userProperties', {
    testid: 'setting-user-properties',
    placeholder: 'plan, company',
  });
  const eventsEnabled = form.field('sendEvents.enabled', { testid: 'setting-events-enabled' });
  const allEvents = form.field('sendEvents.eventFilter.allEvents', { testid: 'setting-all-events', hint: false });
  const eventTypes = form.field('sendEvents.eventFilter.eventTypes', {
    testid: 'setting-event-types',
    placeholder: 'Purchased, Signed Up',
  });
  const eventProperties = form.field('sendEvents.eventProperties', {
    testid: 'setting-event-properties',
    placeholder: 'plan, amount',
  });
  const mapping = syncFields(form);
  const conditionsNote = h('div', { class: 'hint', testid: 'setting-conditions' });
  const warnings = alertBox('note', 'settings-warnings');
  const usersBlock = h('div', { class: 'indent' }, userProperties.root);
  const eventsBlock = h(
    'div',
    { class: 'indent' },
    allEvents.root,
    eventTypes.root,
    conditionsNote,
    eventProperties.root,
  );
  const section = (path) => schemaAt(form.schema, path);

  const sync = () => {
    usersBlock.hidden = !usersEnabled.get();
    eventsBlock.hidden = !eventsEnabled.get();
    eventTypes.input.disabled = allEvents.get();
    mapping.showStatusHint();
  };
  for (const control of [usersEnabled, eventsEnabled, allEvents, mapping.status]) control.onChange(sync);

  const showSettings = (settings) => {
    usersEnabled.set(settings.createUpdateUsers.enabled);
    userProperties.set(settings.createUpdateUsers.userProperties);
    eventsEnabled.set(settings.sendEvents.enabled);
    allEvents.set(settings.sendEvents.eventFilter.allEvents);
    eventTypes.set(settings.sendEvents.eventFilter.eventTypes);
    eventProperties.set(settings.sendEvents.eventProperties);
    const conditions = settings.sendEvents.eventFilter.conditions.length;
    conditionsNote.textContent =
      conditions > 0
        ? `${plural(conditions, 'property condition')} narrow this filter (kept as they are; edit them through the API).`
        : '';
    conditionsNote.hidden = conditions === 0;
    mapping.set(settings);
    sync();
  };

  const showWarnings = (list) => {
    if (list && list.length > 0) show(warnings, list.flatMap((w) => form.labelled(w)).join('\n'));
    else hide(warnings);
  };

  const root = patchSettingsForm(
    form,
    {
      path: `/api/destinations/${enc(id)}/settings`,
      testid: 'settings',
      props: { testid: 'settings-form' },
      saved: (result) => {
        showSettings(result.settings);
        showWarnings(result.warnings);
      },
    },
    [
      h(
        'div',
        { class: 'section' },
        usersEnabled.root,
        h('p', { class: 'muted small', text: section('createUpdateUsers').description }),
        usersBlock,
      ),
      h(
        'div',
        { class: 'section' },
        eventsEnabled.root,
        h('p', { class: 'muted small', text: section('sendEvents').description }),
        eventsBlock,
      ),
      mapping.mapping(section('mapping').title),
      h('div', { class: 'section' }, mapping.status.root),
    ],
    warnings,
  );
  showSettings(initial);
  return root;
}
