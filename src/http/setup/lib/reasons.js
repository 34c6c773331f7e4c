// Human wording for every reason code the service can produce (drops, skips, expiries, waits, errors,
// disconnects). The page shows the label; the code itself is in the tooltip. test/unit/http/setup-reasons.test.ts
// collects the codes from the source, so a new reason without wording here fails the tests.

/**
 * label: a few words; help: what it means and, where the user can act, what to do.
 * fix: an action the connection page offers for it (replace-amplitude-key, replace-intercom-token,
 * reconnect, release-event-types).
 */
export const REASON_WORDING = {
  // ----- Intercom → Amplitude: why a notification was not sent (status `dropped`)
  ping: { label: 'Intercom test ping', help: 'Intercom checks the webhook URL with a ping; it is not an event.' },
  unsupported_topic: {
    label: 'Topic not sent to Amplitude',
    help: 'Intercom sent a topic this connector does not turn into an event. Unsubscribe from it in your Intercom app to stop receiving it.',
  },
  no_identity: {
    label: 'No identity',
    help: 'Nothing identified the person: the contact has no value for the chosen Intercom user property (User ID, or an email) and none was remembered or found. Leads and visitors have no User ID.',
  },
  loop_echo: {
    label: 'Echo of our own write',
    help: 'The change was made in Intercom by this connector’s Amplitude → Intercom sync; sending it back to Amplitude would loop.',
  },
  connection_discarding: {
    label: 'Discarded',
    help: 'The connection was set to discard its queued events.',
  },
  not_configured: {
    label: 'Waiting for the identity choice',
    help: 'Events wait until the Intercom user property is chosen.',
  },
  silenced_device: { label: 'Device silenced in Amplitude', help: 'Amplitude silences events of this device.' },
  amplitude_payload_too_large: {
    label: 'Too large for Amplitude',
    help: 'The event alone exceeds the size Amplitude accepts in one request.',
  },
  amplitude_throttled: {
    label: 'Throttled by Amplitude',
    help: 'Amplitude asked to slow down for this user or device; the event is sent after its pause.',
  },
  amplitude_throttled_request: {
    label: 'Amplitude asked to slow down',
    help: 'Amplitude answered 429 without naming a user or device; the event is sent after a short pause.',
  },
  amplitude_daily_quota: {
    label: 'Over Amplitude’s daily quota',
    help: 'The user or device exceeded Amplitude’s daily event quota; the event is sent when the quota allows.',
  },
  amplitude_unavailable: {
    label: 'Amplitude unavailable',
    help: 'Amplitude did not answer or answered with a server error; the event is retried.',
  },
  retry_budget: {
    label: 'Sent in a later round',
    help: 'One upload needed too many requests; the rest is sent in a later round.',
  },
  amplitude_key_rejected: {
    label: 'Amplitude rejected the API key',
    help: 'Amplitude refuses the project’s API key (a wrong key, or a deleted project). Nothing is lost: events wait. Replace the key to resume.',
    fix: 'replace-amplitude-key',
  },
  amplitude_key_missing: {
    label: 'No Amplitude API key',
    help: 'No API key is stored for this source. Events wait: give the project’s key to resume.',
    fix: 'replace-amplitude-key',
  },
  invalid_api_key: {
    label: 'Invalid Amplitude API key',
    help: 'Amplitude answered “Invalid API key”. Replace the key to resume.',
    fix: 'replace-amplitude-key',
  },
  forbidden: { label: 'Amplitude refused access', help: 'Amplitude answered 403 Forbidden.' },
  bad_request: { label: 'Amplitude refused the request', help: 'Amplitude answered 400 without naming events.' },

  // ----- Amplitude → Intercom: why an event or identify was not sent (status `skipped`, `expired`)
  sync_disabled: {
    label: 'Sync disabled',
    help: 'A disabled sync sends nothing and queues nothing: what arrives or waits meanwhile is set aside.',
  },
  reserved_event_type: {
    label: 'Not an event',
    help: 'Identify updates ($identify, $groupidentify) and the names Amplitude event streaming reserves (_all, _identify) are never sent as events.',
  },
  send_events_disabled: { label: 'Send Events is off', help: 'Turn on Send Events to send events.' },
  filtered_out: {
    label: 'Not selected',
    help: 'The event filter does not select this event type, or a property condition did not hold.',
  },
  missing_identity: {
    label: 'No Intercom user',
    help: 'The event has no value where the mapping’s “comes from” points (the User ID or the chosen property).',
  },
  invalid_email: { label: 'Not a valid email', help: 'The value used as the Intercom email is not an email address.' },
  create_update_users_disabled: {
    label: 'Create & Update Users is off',
    help: 'Identifies update Intercom contacts only when Create & Update Users is on.',
  },
  contact_not_found: {
    label: 'Contact never appeared',
    help: 'The event waited (parked) for its Intercom contact longer than DESTINATION_PARK_MAX_AGE (24 hours by default). Turn on Create & Update Users, or create the contacts in Intercom.',
  },
  not_found: {
    label: 'Not found in Intercom',
    help: 'Intercom answered that what the event refers to does not exist (404).',
  },
  archived_contact: {
    label: 'Contact archived',
    help: 'The contact is archived in Intercom; unarchive it to reach it.',
  },
  event_type_limit: {
    label: 'Intercom’s event-name limit',
    help: 'Intercom keeps a limited number of active event names per workspace (120) and all are taken. Archive unused names in Intercom (Settings → Data → Events), then release them here.',
    fix: 'release-event-types',
  },
  delivery_failed: {
    label: 'Intercom kept failing',
    help: 'Intercom answered with errors for longer than DESTINATION_RETRY_WINDOW (4 hours by default); the event was given up.',
  },
  intercom_rejected: {
    label: 'Refused by Intercom',
    help: 'Intercom refused the request as invalid; see the last error.',
  },
  intercom_unavailable: {
    label: 'Intercom unavailable',
    help: 'Intercom did not answer or answered with a server error; retried with backoff.',
  },
  rate_limited: { label: 'Intercom rate limit', help: 'Waiting for the workspace’s Intercom rate limit to reset.' },
  auth_revoked: {
    label: 'Intercom refused the token',
    help: 'Intercom answered 401: the token was revoked or the app uninstalled. Events wait until the token is replaced.',
    fix: 'replace-intercom-token',
  },
  intercom_token_revoked: {
    label: 'Intercom refused the access token',
    help: 'Intercom answers 401 for this sync’s token (revoked, or the app was uninstalled). Nothing is lost: events wait. Replace the token to resume.',
    fix: 'replace-intercom-token',
  },
  intercom_token_missing: {
    label: 'No Intercom access token',
    help: 'No access token is stored for this sync. Events wait: give a token of the same workspace to resume.',
    fix: 'replace-intercom-token',
  },
  attribute_limit: {
    label: 'Intercom’s attribute limit',
    help: 'The workspace has as many custom data attributes as Intercom allows, so a new one could not be created.',
  },
  attribute_rejected: {
    label: 'Attribute refused by Intercom',
    help: 'Intercom refused to create the data attribute.',
  },

  // ----- Properties left out of a contact or event (counters `properties_dropped:`, `attributes_refused:`)
  empty: { label: 'Empty value', help: 'The property is null, an empty list or an empty object.' },
  unsupported_value: { label: 'Value Intercom can’t store', help: 'For example a number that is not finite.' },
  key_collision: {
    label: 'Name collision',
    help: 'Another selected property already produced this name after flattening and cleaning it.',
  },
  reserved_name: { label: 'Name reserved by Intercom', help: 'Intercom keeps this name for its own contact fields.' },
  conflicts_with_lookup: {
    label: 'Differs from the lookup email',
    help: 'An email that differs from the one the contact is found by is not written.',
  },
  not_clearable: { label: 'Can’t be cleared', help: 'A contact cannot lose the email it may be identified by.' },

  // ----- Cohort members
  missing_user_id: { label: 'No user ID', help: 'The cohort member has no user ID.' },
  not_tagged: {
    label: 'Was not tagged',
    help: 'Amplitude removed a member this sync never tagged, and no Intercom contact of theirs carries the tag: nothing to remove.',
  },
  superseded: {
    label: 'Overtaken by a later change',
    help: 'Amplitude computed this change before the one already applied for the member (it arrived late), so it was not applied.',
  },
  tag_held_by_other_cohort: {
    label: 'Tag kept for another cohort',
    help: 'The member left this cohort, but another cohort sharing the same Intercom tag still has them, so the tag stays.',
  },
  cancelled_by_removal: {
    label: 'Left the cohort before being tagged',
    help: 'The member was waiting for their Intercom contact when Amplitude removed them from the cohort, so they were never tagged.',
  },

  // ----- Either direction
  max_age: {
    label: 'Waited too long',
    help: 'It stayed queued longer than DELIVERY_MAX_PENDING_AGE (7 days by default) and was set aside.',
  },
  internal_error: {
    label: 'Internal error',
    help: 'The connector failed on this one; it was set aside so others keep flowing. See the last error and the service logs.',
  },
  disconnected: { label: 'Disconnected', help: 'It was still queued when the connection was disconnected.' },
  quota: {
    label: 'Over the storage quota',
    help: 'The connection already held CONNECTION_MAX_PENDING_ROWS undelivered events (1,000,000 by default), so this one was not stored. Fix what holds delivery back (an Error, a pause).',
  },

  // ----- Why a connection was disconnected
  operator: {
    label: 'Disconnected by an operator',
    help: 'Someone chose Disconnect (on this page, the CLI or the API).',
  },
  intercom_uninstall: {
    label: 'Uninstalled in Intercom',
    help: 'Intercom reported that the app was uninstalled, and the token no longer works. Reconnect to authorize again.',
    fix: 'reconnect',
  },
  uninstalled_in_intercom: {
    label: 'Access removed in Intercom',
    help: 'The daily token check found the token refused: the app was uninstalled or its access revoked in Intercom. Reconnect to authorize again.',
    fix: 'reconnect',
  },
};

const DETAIL_WORDS = { invalid_field: 'invalid field', missing_field: 'missing field', invalid_id_length: 'id length' };

/** `invalid_field:time,missing_field:user_id` → `invalid field “time”, missing field “user_id”`. */
function amplitudeDetails(rest) {
  return rest
    .split(',')
    .map((part) => {
      const [kind, field] = part.split(':');
      if (REASON_WORDING[part]) return REASON_WORDING[part].label.toLowerCase();
      return field ? `${DETAIL_WORDS[kind] || kind.replace(/_/g, ' ')} “${field}”` : part.replace(/_/g, ' ');
    })
    .join(', ');
}

/** Codes that carry a detail after a fixed prefix (e.g. `amplitude_invalid_field:time`); longest prefix wins. */
export const REASON_PREFIXES = [
  {
    prefix: 'amplitude_',
    label: () => 'Refused by Amplitude',
    help: (rest) => `Amplitude refused the event: ${amplitudeDetails(rest)}.`,
  },
  {
    prefix: 'http_',
    label: (rest) => `Amplitude answered HTTP ${rest.slice(0, 3)}`,
    help: (rest) => `Amplitude answered HTTP ${rest}.`,
  },
  {
    prefix: 'missing_field:',
    label: () => 'Field missing for Amplitude',
    help: (rest) => `Amplitude found the field “${rest}” missing.`,
  },
];

/** The wording of a code: { code, label, help, fix }. Unknown codes are shown as they are. */
export function describeReason(code) {
  const key = String(code);
  if (Object.hasOwn(REASON_WORDING, key)) return { code: key, ...REASON_WORDING[key] };
  const match = REASON_PREFIXES.filter((p) => key.startsWith(p.prefix) && key.length > p.prefix.length).sort(
    (a, b) => b.prefix.length - a.prefix.length,
  )[0];
  if (match) {
    const rest = key.slice(match.prefix.length);
    return { code: key, label: match.label(rest), help: match.help(rest) };
  }
  return { code: key, label: key.replace(/_/g, ' '), help: '' };
}

/** Whether a code has wording of its own (exact or by prefix); the coverage test asks this. */
export function hasWording(code) {
  return (
    Object.hasOwn(REASON_WORDING, code) ||
    REASON_PREFIXES.some((p) => code.startsWith(p.prefix) && code.length > p.prefix.length)
  );
}
