// The Error state: what went wrong in words, the service's own message, and what to do about it.

import { fill, h } from '../lib/dom.js';
import { describeReason } from '../lib/reasons.js';
import { when } from '../lib/format.js';
import { credentialForm, CREDENTIALS } from './credentials.js';

const OTHER_FIXES = {
  'release-event-types': 'Archive unused event names in Intercom, then release them under “Event-type slots” below.',
  reconnect: 'Reconnect to authorize again.',
};

/** A card shown while the connection's status is Error (`error: { reason, message, at }`). */
export function problemCard(id) {
  const root = h('div', { class: 'card problem', testid: 'error-state', hidden: true });
  let shownReason;
  return {
    root,
    async update(status) {
      const problem = status.status === 'Error' ? status.error : undefined;
      if (!problem) {
        root.hidden = true;
        shownReason = undefined;
        return;
      }
      root.hidden = false;
      if (shownReason === problem.reason) return; // keep what the user is typing
      shownReason = problem.reason;
      const reason = describeReason(problem.reason);
      fill(
        root,
        h(
          'h2',
          { testid: 'error-title' },
          'Error: ',
          h('span', { class: 'reason', 'data-reason': reason.code, title: `Code: ${reason.code}`, text: reason.label }),
        ),
        h('p', { testid: 'error-help', text: reason.help }),
        h('p', { class: 'muted small', testid: 'error-message', text: `${problem.message} (${when(problem.at)})` }),
      );
      if (CREDENTIALS[reason.fix]) {
        const form = await credentialForm(id, reason.fix, 'fix');
        if (shownReason === problem.reason) root.append(form);
      } else if (OTHER_FIXES[reason.fix]) root.append(h('p', { testid: 'error-fix', text: OTHER_FIXES[reason.fix] }));
    },
  };
}

/** The last error the connection's workflow noted (it may have passed; the Error state is what holds delivery). */
export function lastErrorBox(lastError) {
  if (!lastError) return null;
  return h(
    'div',
    { class: 'alert error', testid: 'last-error' },
    `Last error (${when(lastError.at)}): ${lastError.message}`,
  );
}
