import { describe, expect, it } from 'vitest';
import {
  applySettingsPatch,
  defaultDestinationSettings,
  destinationSettingsSchema,
  formatSettingsError,
  parseDestinationSettings,
  settingsWarnings,
  type DestinationSettings,
} from '../../../src/destination/settings';

function expectValid(result: ReturnType<typeof applySettingsPatch>): DestinationSettings {
  if (!result.ok) throw new Error(`expected valid settings, got:\n${result.message}`);
  return result.settings;
}

function expectInvalid(result: ReturnType<typeof applySettingsPatch>): string[] {
  if (result.ok) throw new Error('expected a validation error');
  return result.message.split('\n');
}

describe('destination settings defaults', () => {
  it('start with everything off and empty, mapped to external_id from the Amplitude User ID', () => {
    expect(defaultDestinationSettings()).toEqual({
      createUpdateUsers: { enabled: false, userProperties: [] },
      sendEvents: {
        enabled: false,
        eventFilter: { eventTypes: [], allEvents: false, conditions: [] },
        eventProperties: [],
      },
      mapping: { intercomUser: 'external_id', from: { kind: 'user_id' } },
      amplitudeProjectId: null,
      status: 'disabled',
    });
  });

  it('keep the Amplitude project a patch omits, and clear it on null', () => {
    const named = applySettingsPatch(defaultDestinationSettings(), { amplitudeProjectId: '123456' });
    if (!named.ok) throw new Error(named.message);
    const kept = applySettingsPatch(named.settings, { status: 'enabled' });
    expect(kept.ok && kept.settings.amplitudeProjectId).toBe('123456');
    const cleared = applySettingsPatch(named.settings, { amplitudeProjectId: null });
    expect(cleared.ok && cleared.settings.amplitudeProjectId).toBeNull();
    expect(applySettingsPatch(named.settings, { amplitudeProjectId: 'no spaces' }).ok).toBe(false);
  });

  it('fill defaults for the parts a stored row leaves out', () => {
    const parsed = parseDestinationSettings({ sendEvents: { enabled: true }, mapping: { intercomUser: 'email' } });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.settings.sendEvents.eventFilter).toEqual({ eventTypes: [], allEvents: false, conditions: [] });
    expect(parsed.settings.mapping).toEqual({ intercomUser: 'email', from: { kind: 'user_id' } });
    expect(parsed.settings.createUpdateUsers).toEqual({ enabled: false, userProperties: [] });
  });

  it('give each parse its own lists', () => {
    const first = defaultDestinationSettings();
    first.sendEvents.eventProperties.push('plan');
    expect(defaultDestinationSettings().sendEvents.eventProperties).toEqual([]);
  });
});

describe('applySettingsPatch', () => {
  const current = defaultDestinationSettings();

  it('changes only the fields the patch names, keeping the rest of each section', () => {
    const withEvents = expectValid(
      applySettingsPatch(current, {
        sendEvents: { enabled: true, eventFilter: { eventTypes: ['Order Completed'] }, eventProperties: ['plan'] },
      }),
    );
    const next = expectValid(
      applySettingsPatch(withEvents, { sendEvents: { eventFilter: { allEvents: false, conditions: [] } } }),
    );
    expect(next.sendEvents).toEqual({
      enabled: true,
      eventFilter: { eventTypes: ['Order Completed'], allEvents: false, conditions: [] },
      eventProperties: ['plan'],
    });
    expect(next.createUpdateUsers).toEqual(current.createUpdateUsers);
    expect(next.status).toBe('disabled');
  });

  it('replaces the identity source whole', () => {
    const byProperty = expectValid(
      applySettingsPatch(current, {
        mapping: { intercomUser: 'email', from: { kind: 'user_property', name: 'email' } },
      }),
    );
    const byUserId = expectValid(applySettingsPatch(byProperty, { mapping: { from: { kind: 'user_id' } } }));
    expect(byUserId.mapping).toEqual({ intercomUser: 'email', from: { kind: 'user_id' } });
  });

  it('toggles status and leaves the current settings untouched', () => {
    const enabled = expectValid(applySettingsPatch(current, { status: 'enabled' }));
    expect(enabled.status).toBe('enabled');
    expect(current.status).toBe('disabled');
  });

  it('treats an empty patch as no change', () => {
    expect(expectValid(applySettingsPatch(current, {}))).toEqual(current);
  });

  it('rejects unknown keys with their location', () => {
    expect(expectInvalid(applySettingsPatch(current, { sendEvents: { enable: true } }))).toEqual([
      'sendEvents: Unrecognized key: "enable"',
    ]);
  });

  it('rejects reserved and identify event types, one line per issue with the path', () => {
    const lines = expectInvalid(
      applySettingsPatch(current, {
        sendEvents: { eventFilter: { eventTypes: ['Signed Up', '_all', '_identify', '$identify'] } },
      }),
    );
    expect(lines).toEqual([
      'sendEvents.eventFilter.eventTypes[1]: is reserved by Amplitude event streaming and cannot be selected',
      'sendEvents.eventFilter.eventTypes[2]: is reserved by Amplitude event streaming and cannot be selected',
      'sendEvents.eventFilter.eventTypes[3]: is a user property update, not an event: use Create & Update Users instead',
    ]);
  });

  it('rejects blank and duplicate property names', () => {
    const lines = expectInvalid(
      applySettingsPatch(current, { createUpdateUsers: { userProperties: ['plan', ' ', 'plan'] } }),
    );
    expect(lines).toEqual([
      'createUpdateUsers.userProperties[1]: user property must not be empty',
      'createUpdateUsers.userProperties[2]: user property "plan" is selected twice',
    ]);
  });

  it('accepts more event properties than Intercom keeps, but not absurdly many', () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `p${i}`);
    expect(applySettingsPatch(current, { sendEvents: { eventProperties: names(25) } }).ok).toBe(true);
    expect(expectInvalid(applySettingsPatch(current, { sendEvents: { eventProperties: names(251) } }))).toEqual([
      'sendEvents.eventProperties: at most 250 properties can be selected',
    ]);
  });

  it('checks that condition values fit the operator', () => {
    const conditions = [
      { property: 'plan', scope: 'event', operator: 'is' },
      { property: 'plan', scope: 'event', operator: 'exists', values: ['x'] },
      { property: 'amount', scope: 'event', operator: 'greater_than', values: ['10'] },
      { property: 'amount', scope: 'user', operator: 'less_than', values: [10] },
    ];
    expect(expectInvalid(applySettingsPatch(current, { sendEvents: { eventFilter: { conditions } } }))).toEqual([
      'sendEvents.eventFilter.conditions[0].values: "is" needs at least one value',
      'sendEvents.eventFilter.conditions[1].values: "exists" takes no values',
      'sendEvents.eventFilter.conditions[2].values: "greater_than" takes exactly one number',
    ]);
  });

  it('reports wrong types and unknown options readably', () => {
    const lines = expectInvalid(applySettingsPatch(current, { status: 'on', mapping: { intercomUser: 'phone' } }));
    expect(lines).toEqual([
      'mapping.intercomUser: Invalid option: expected one of "external_id"|"email"',
      'status: Invalid option: expected one of "enabled"|"disabled"',
    ]);
  });

  it('requires a name for property identity sources', () => {
    expect(
      expectInvalid(applySettingsPatch(current, { mapping: { from: { kind: 'event_property', name: '' } } })),
    ).toEqual(['mapping.from.name: event property must not be empty']);
  });
});

describe('formatSettingsError', () => {
  it('names the root when the whole value is wrong', () => {
    const parsed = destinationSettingsSchema.safeParse('nope');
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(formatSettingsError(parsed.error)).toBe('settings: Invalid input: expected object, received string');
  });
});

describe('settingsWarnings', () => {
  const withProperties = (n: number) =>
    destinationSettingsSchema.parse({
      sendEvents: { enabled: true, eventProperties: Array.from({ length: n }, (_, i) => `p${i + 1}`) },
    });

  it("says nothing up to Intercom's metadata key limit", () => {
    expect(settingsWarnings(withProperties(10), { metadataKeyLimit: 10 })).toEqual([]);
  });

  it("past it, names the limit against Amplitude's 20 and the properties that will be cut", () => {
    const [warning, ...rest] = settingsWarnings(withProperties(12), { metadataKeyLimit: 10 });
    expect(rest).toEqual([]);
    expect(warning).toMatch(/^sendEvents\.eventProperties: 12 event properties are selected/);
    expect(warning).toMatch(/Intercom keeps 10 metadata keys per event/);
    expect(warning).toMatch(/say 20/);
    expect(warning).toMatch(/"p11", "p12" will be cut/);
    expect(settingsWarnings(withProperties(12), { metadataKeyLimit: 20 })).toEqual([]);
  });
});
