// Every setting of a sync, rendered from the settings route's schema. Save sends one PATCH; the API's
// validation is shown beside the fields, and its warnings (e.g. Intercom's metadata key limit) below.

import { alertBox, h, hide, show } from '../../lib/dom.js';
import { api, enc } from '../../lib/api.js';
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
  const intercomUser = form.field('mapping.intercomUser', { testid: 'setting-intercom-user', hint: false });
  const from = form.field('mapping.from', {
    testid: 'setting-from-kind',
    hint: false,
    fieldTestids: { name: 'setting-from-name' },
    placeholders: { name: 'property name' },
  });
  const status = form.field('status', { testid: 'setting-status' });
  const conditionsNote = h('div', { class: 'hint', testid: 'setting-conditions' });
  const error = alertBox('error', 'settings-error');
  const saved = alertBox('ok', 'settings-saved');
  const warnings = alertBox('note', 'settings-warnings');
  const save = h('button', { type: 'submit', testid: 'settings-save', text: 'Save' });
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
    // "Disabled sends nothing and queues nothing" explains Disabled only.
    if (status.hint) status.hint.hidden = status.get() !== 'disabled';
  };
  for (const control of [usersEnabled, eventsEnabled, allEvents, status]) control.onChange(sync);

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
    intercomUser.set(settings.mapping.intercomUser);
    from.set(settings.mapping.from);
    status.set(settings.status);
    sync();
  };

  const showWarnings = (list) => {
    if (list && list.length > 0) show(warnings, list.flatMap((w) => form.labelled(w)).join('\n'));
    else hide(warnings);
  };

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
          const result = await api('PATCH', `/api/destinations/${enc(id)}/settings`, form.value());
          showSettings(result.settings);
          show(saved, 'Saved.');
          showWarnings(result.warnings);
        } catch (err) {
          show(error, form.showIssues(err.message).join('\n'));
        } finally {
          save.disabled = false;
        }
      },
    },
    h('h2', { text: 'Settings' }),
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
    h(
      'div',
      { class: 'section' },
      h('h3', { text: section('mapping').title }),
      h('div', { class: 'row' }, intercomUser.root, from.root),
    ),
    h('div', { class: 'section' }, status.root),
    error,
    saved,
    warnings,
    h('div', { class: 'actions' }, save),
  );
  showSettings(initial);
  return root;
}
