import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes that let an operator find any connection in the Temporal UI, e.g.
 * `IntercomProvider = 'intercom-source' AND AmplitudeProject = '123' AND ConnectionStatus = 'Connected'`.
 * Registered by the dev launcher and by `ensureSearchAttributes` on a real cluster.
 */
export const ProviderKey = defineSearchAttributeKey('IntercomProvider', SearchAttributeType.KEYWORD);
export const AmplitudeProjectKey = defineSearchAttributeKey('AmplitudeProject', SearchAttributeType.KEYWORD);
export const IntercomWorkspaceKey = defineSearchAttributeKey('IntercomWorkspace', SearchAttributeType.KEYWORD);
export const ConnectionStatusKey = defineSearchAttributeKey('ConnectionStatus', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [ProviderKey, AmplitudeProjectKey, IntercomWorkspaceKey, ConnectionStatusKey];
