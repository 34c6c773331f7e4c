// What the settings forms of the two syncs into Intercom share: the contact mapping's fields and the status toggle.

import { h } from './dom.js';

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
