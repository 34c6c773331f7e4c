// Every kind of connection the page knows: how it is named, its creation form and its screen.
// Cohort syncs (Amplitude cohorts → Intercom tags, being built on the "cohort2" branch) get their entry here
// once their admin routes exist: a creation form (screens/create-cohort-sync.js) and a screen
// (screens/cohort-sync/index.js), the way the two kinds below have theirs.

import { sourceForm } from './create-source.js';
import { destinationForm } from './create-destination.js';
import { sourceView } from './source/index.js';
import { destinationView } from './destination/index.js';

export const KINDS = {
  intercom_source: {
    label: 'Intercom → Amplitude',
    newButton: { text: 'New Intercom source', testid: 'new-source-button' },
    createForm: sourceForm,
    view: sourceView,
  },
  intercom_destination: {
    label: 'Amplitude → Intercom',
    newButton: { text: 'New Amplitude → Intercom sync', testid: 'new-destination-button' },
    createForm: destinationForm,
    view: destinationView,
  },
};

export function kindLabel(kind) {
  return KINDS[kind]?.label || kind;
}
