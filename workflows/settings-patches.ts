import type * as CohortSettings from '../src/cohort/settings';
import type * as DestinationSettings from '../src/destination/settings';
import type * as SourceSettings from '../src/source/connection-settings';

/**
 * The settings validators of the connection workflows' update handlers, loaded on first use.
 *
 * They are built on zod schemas, and every new workflow instance evaluates the modules it imports afresh (the SDK
 * keeps module state apart per workflow). Evaluating zod and the schemas costs tens of milliseconds of CPU, which
 * onboarding a thousand connections paid a thousand times over, and again for every replay. Loaded here, only a
 * workflow that is sent a settings update evaluates them (`require` inside the bundle is lazy and deterministic).
 */
export const validateSourceSettingsPatch: typeof SourceSettings.validateSourceSettingsPatch = (patch) =>
  (require('../src/source/connection-settings') as typeof SourceSettings).validateSourceSettingsPatch(patch);

export const applySettingsPatch: typeof DestinationSettings.applySettingsPatch = (current, patch) =>
  (require('../src/destination/settings') as typeof DestinationSettings).applySettingsPatch(current, patch);

export const applyCohortSettingsPatch: typeof CohortSettings.applyCohortSettingsPatch = (current, patch) =>
  (require('../src/cohort/settings') as typeof CohortSettings).applyCohortSettingsPatch(current, patch);
