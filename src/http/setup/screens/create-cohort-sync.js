// "New cohort sync" (Amplitude cohorts → Intercom tags): its name, the Intercom workspace's access token, and
// the tag's name (empty: "Amplitude: <cohort name>").

import { h } from '../lib/dom.js';
import { memory } from '../lib/memory.js';
import { createForm } from '../lib/create-form.js';

export function cohortSyncForm({ close }) {
  return createForm({
    route: 'createCohortSync',
    path: '/api/cohort-syncs',
    fields: { name: 'cohort-name', intercomAccessToken: 'cohort-token', intercomRegion: 'cohort-region' },
    testid: 'cohort',
    title: 'New cohort sync',
    heading: h('p', {
      class: 'muted',
      text: 'Keeps Amplitude cohorts as Intercom tags: members entering a cohort get its tag, members leaving lose it. It starts disabled: choose the tag name and mapping, then enable it.',
    }),
    submitText: 'Create cohort sync',
    created: (answer) =>
      memory.ingestKeys.set(answer.connectionId, { key: answer.ingestKey, endpoint: answer.endpoint }),
    close,
  });
}
