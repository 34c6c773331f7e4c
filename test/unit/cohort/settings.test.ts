import { describe, expect, it } from 'vitest';
import { applyCohortSettingsPatch, parseCohortSettings, tagNameFor } from '../../../src/cohort/settings';

describe('cohort sync settings', () => {
  it('defaults: disabled, External ID from the user id, the tag named after the cohort', () => {
    const parsed = parseCohortSettings({});
    expect(parsed).toEqual({
      ok: true,
      settings: { mapping: { intercomUser: 'external_id', from: { kind: 'user_id' } }, status: 'disabled' },
    });
    expect(tagNameFor({}, 'Power users')).toBe('Amplitude: Power users');
    expect(tagNameFor({ tagName: 'VIP' }, 'Power users')).toBe('VIP');
    expect(tagNameFor({}, 'x'.repeat(400))).toHaveLength(255);
  });

  it('patches in part, and null brings the default tag name back', () => {
    const current = parseCohortSettings({ tagName: 'VIP', status: 'enabled' });
    if (!current.ok) throw new Error(current.message);
    const renamed = applyCohortSettingsPatch(current.settings, { mapping: { intercomUser: 'email' } });
    expect(renamed).toMatchObject({ ok: true, settings: { tagName: 'VIP', mapping: { intercomUser: 'email' } } });
    const reset = applyCohortSettingsPatch(current.settings, { tagName: null });
    expect(reset.ok && reset.settings.tagName).toBeUndefined();
  });

  it('refuses what it cannot use, saying where', () => {
    expect(parseCohortSettings({ tagName: '  ' })).toMatchObject({ ok: false, message: /tagName/ });
    expect(parseCohortSettings({ mapping: { from: { kind: 'event_property', name: 'x' } } })).toMatchObject({
      ok: false,
    });
    const defaults = parseCohortSettings({});
    if (!defaults.ok) throw new Error(defaults.message);
    expect(applyCohortSettingsPatch(defaults.settings, { typo: 1 })).toMatchObject({ ok: false, message: /typo/ });
  });
});
