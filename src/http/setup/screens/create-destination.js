// "New Amplitude → Intercom sync": its name and the Intercom workspace's access token.

import { h } from '../lib/dom.js';
import { memory } from '../lib/memory.js';
import { createForm } from '../lib/create-form.js';

export function destinationForm({ close }) {
  return createForm({
    route: 'createDestination',
    path: '/api/destinations',
    fields: {
      name: 'destination-name',
      intercomAccessToken: 'destination-token',
      intercomRegion: 'destination-region',
    },
    testid: 'destination',
    title: 'New Amplitude → Intercom sync',
    heading: h('p', {
      class: 'muted',
      text: 'Sends Amplitude events and user properties to one Intercom workspace. Everything starts off: choose what to send after creating it.',
    }),
    submitText: 'Create sync',
    created: (answer) =>
      memory.ingestKeys.set(answer.connectionId, { key: answer.ingestKey, endpoints: answer.endpoints }),
    close,
  });
}
