// Every kind of connection the page knows: how it is named, its creation form and its screen.

import { sourceForm } from './create-source.js';
import { destinationForm } from './create-destination.js';
import { sourceView } from './source/index.js';
import { destinationView } from './destination/index.js';
import { cohortSyncForm } from './create-cohort-sync.js';
import { cohortSyncView } from './cohort-sync/index.js';

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
  intercom_cohort: {
    label: 'Amplitude cohorts → Intercom tags',
    newButton: { text: 'New cohort sync', testid: 'new-cohort-button' },
    createForm: cohortSyncForm,
    view: cohortSyncView,
  },
};

export function kindLabel(kind) {
  return KINDS[kind]?.label || kind;
}
