// "New Intercom source": the Amplitude project it streams into (step 1 of onboarding).

import { h } from '../lib/dom.js';
import { memory } from '../lib/memory.js';
import { createForm } from '../lib/create-form.js';
import { stepper } from '../components/stepper.js';

export function sourceForm({ prefill, close }) {
  return createForm({
    route: 'createSource',
    path: '/api/sources',
    fields: {
      amplitudeProjectId: 'source-project-id',
      amplitudeApiKey: 'source-api-key',
      amplitudeRegion: 'source-region',
    },
    prefill: { amplitudeProjectId: prefill },
    testid: 'source',
    title: 'New Intercom source',
    heading: [
      stepper(0),
      h('p', {
        class: 'muted',
        text: 'Intercom events will stream into this Amplitude project as “[Intercom] <topic>” events.',
      }),
    ],
    submitText: 'Next',
    created: (answer) => memory.authorizeUrls.set(answer.connectionId, answer.authorizeUrl),
    close,
  });
}
