import { h } from '../lib/dom.js';

const SOURCE_STEPS = ['Amplitude project', 'Connect to Intercom', 'Choose user property', 'First event'];

/** Where a new source is in its onboarding (0-based; 4 = done). */
export function stepper(current) {
  return h(
    'ol',
    { class: 'stepper', testid: 'stepper' },
    SOURCE_STEPS.map((label, index) =>
      h('li', { class: index < current ? 'done' : index === current ? 'current' : '', text: label }),
    ),
  );
}
