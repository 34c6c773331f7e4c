import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ConnectionRepository, rememberCountersAtReconnect, type Connection } from './repository';
import { sourceConnectionId, workflowIdFor } from './ids';
import type { Services } from '../runtime/services';
import { IntercomClient } from '../intercom/client';
import { authorizeUrl, consumeOAuthState, createOAuthState, revokeOAuthStates } from '../source/oauth-states';
import type {
  EventNaming,
  IdentityMappingChoice,
  SourceSettings,
  SourceSettingsPatch,
} from '../source/connection-settings';
import {
  authorizedSignal,
  configureUpdate,
  sourceConnection,
  statusQuery as sourceStatusQuery,
  uninstallReportedSignal,
} from '../../workflows/source-connection';
import {
  credentialsChangedSignal,
  disconnectSignal,
  pauseSignal,
  resumeSignal,
} from '../../workflows/connection-signals';
import {
  destinationStatusQuery,
  destinationSync,
  replaySignal,
  updateSettingsUpdate,
} from '../../workflows/destination-sync';
import {
  cohortStatusQuery,
  cohortSync,
  disconnectRemovingTagSignal,
  resyncSignal,
  updateCohortSettingsUpdate,
} from '../../workflows/cohort-sync';
import { parseCohortSettings, type CohortSettings, type CohortSettingsPatch } from '../cohort/settings';
import { storeResync } from '../cohort/resyncs';
import { shardOf } from '../delivery/shards';
import { retryWaitingNow } from '../delivery/queue';
import { API_KEY_MISSING_REASON, API_KEY_REJECTED_REASON } from '../delivery/lanes/amplitude';
import { TOKEN_MISSING_REASON, TOKEN_REVOKED_REASON } from '../delivery/lanes/intercom';
import { liveCounts } from './status';
import {
  defaultDestinationSettings,
  parseDestinationSettings,
  settingsWarnings,
  type DestinationSettings,
  type SettingsPatch,
} from '../destination/settings';
import { listEventTypes, releaseEventTypes } from '../destination/event-types';
import { randomToken, sha256Hex } from '../crypto/secrets';
import { HISTORY_FORM } from '../../workflows/connection-lifecycle';
import { backfillRequestProblem, backfillSignal, type BackfillRequest } from '../../workflows/backfill-messages';
import {
  AmplitudeProjectKey,
  ConnectionStatusKey,
  IntercomWorkspaceKey,
  ProviderKey,
} from '../../workflows/search-attributes';

/** A problem the caller can fix; the HTTP layer turns it into a 4xx with this message. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** What creating a sync into Intercom (a destination sync or a cohort sync) takes. */
export interface CreateIntercomSyncInput {
  name: string;
  intercomAccessToken: string;
  intercomRegion?: 'US' | 'EU' | 'AU';
  settings?: unknown;
}
export type CreateDestinationInput = CreateIntercomSyncInput;
export type CreateCohortSyncInput = CreateIntercomSyncInput;

export interface ResyncInput {
  cohortId: string;
  cohortName: string;
  userIds: string[];
}

export interface CreateSourceInput {
  amplitudeProjectId: string;
  amplitudeApiKey: string;
  amplitudeRegion?: 'US' | 'EU';
  identityMapping?: IdentityMappingChoice;
  eventNaming?: EventNaming;
  name?: string;
}

/** How long a status query waits for a worker's answer. */
const STATUS_QUERY_DEADLINE_MS = 10_000;

/**
 * What operators, the setup page and Intercom's notices can do with connections: the one place that starts,
 * signals, updates and queries the connection workflows. The admin API, the CLI and the OAuth and uninstall
 * routes use it. Besides it, only workflow machinery speaks to them: a delivery shard's drain reports
 * lifecycle news (the `deliveryEvent` signal, activities/delivery.ts), and a backfill reports to its parent.
 */
export class ConnectionsService {
  readonly repository: ConnectionRepository;

  constructor(
    private readonly services: Services,
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {
    this.repository = new ConnectionRepository(services.db, services.secrets);
  }

  handle(connectionId: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(workflowIdFor(connectionId));
  }

  /** Creates (or re-opens after a disconnect) the source connection of an Amplitude project and starts its workflow. */
  async createSource(
    input: CreateSourceInput,
  ): Promise<{ connection: Connection; workflowId: string; authorizeUrl: string }> {
    const id = sourceConnectionId(input.amplitudeProjectId);
    const existing = await this.repository.get(id);
    const reopening = !existing || existing.status === 'Disconnected';
    const settings: SourceSettings = {
      ...((existing?.settings as SourceSettings | undefined) ?? {}),
      ...(input.identityMapping ? { identityMapping: input.identityMapping } : {}),
      ...(input.eventNaming ? { eventNaming: input.eventNaming } : {}),
    };
    const connection = await this.repository.upsert({
      id,
      kind: 'intercom_source',
      name: input.name ?? existing?.name ?? `Intercom → Amplitude project ${input.amplitudeProjectId}`,
      status: reopening ? 'Authorizing' : existing!.status,
      amplitudeProjectId: input.amplitudeProjectId,
      amplitudeRegion: input.amplitudeRegion ?? existing?.amplitudeRegion ?? 'US',
      intercomWorkspaceId: reopening ? null : existing!.intercomWorkspaceId,
      intercomRegion: reopening ? null : existing!.intercomRegion,
      settings,
      deliveryShard: shardOf(id, this.services.env.DELIVERY_SHARDS),
      ...(reopening ? { deliveryState: 'held' as const } : {}),
    });
    await this.repository.storeSecret(id, 'amplitude_api_key', input.amplitudeApiKey);
    // States issued before the disconnect belong to the old connection, not to this one.
    if (existing && reopening) await revokeOAuthStates(this.services.db, id);
    // Its counters carry over; status tells them apart from the new connection's.
    if (existing && reopening) await rememberCountersAtReconnect(this.services.db, id, Date.now());
    const workflowId = workflowIdFor(id);
    await this.temporal.workflow.start(sourceConnection, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [
        {
          connectionId: id,
          amplitudeProjectId: input.amplitudeProjectId,
          settings,
          tokenCheckIntervalMs: this.services.env.SOURCE_TOKEN_CHECK_INTERVAL,
          historyForm: HISTORY_FORM,
          // The row says Authorizing/held (written above) and the start sets the search attributes below.
          ...(reopening ? { published: { status: 'Authorizing' as const, deliveryState: 'held' as const } } : {}),
        },
      ],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: connectionMemo(connection),
      typedSearchAttributes: [
        { key: ProviderKey, value: 'intercom-source' },
        { key: AmplitudeProjectKey, value: input.amplitudeProjectId },
        { key: ConnectionStatusKey, value: 'Authorizing' },
      ],
      staticSummary: `Intercom → Amplitude project ${input.amplitudeProjectId}`,
    });
    return { connection, workflowId, authorizeUrl: await this.authorizeUrl(id, connection) };
  }

  /**
   * A fresh Intercom authorization URL for a source connection (new single-use state each time). `current` is the
   * connection as its caller just wrote it (createSource), which saves reading it back.
   */
  async authorizeUrl(connectionId: string, current?: Connection): Promise<string> {
    const connection = current ?? (await this.requireKind(connectionId, 'intercom_source'));
    if (connection.status === 'Disconnected')
      throw new UserError('the connection is disconnected; create it again to reconnect', 409);
    const clientId = this.services.env.INTERCOM_CLIENT_ID;
    if (!clientId) throw new UserError('INTERCOM_CLIENT_ID is not configured', 503);
    const state = await createOAuthState(this.services.db, connectionId);
    return authorizeUrl({
      oauthUrl: this.services.env.INTERCOM_OAUTH_URL,
      clientId,
      state,
      redirectUri: `${this.services.urls.publicUrl}/oauth/intercom/callback`,
    });
  }

  /**
   * The OAuth callback: checks the state, exchanges the code, reads the workspace via /me,
   * stores the token sealed and tells the workflow. Nothing is stored unless every step succeeds.
   */
  async completeOAuth(code: string, state: string): Promise<{ connectionId: string; workspaceId: string }> {
    const consumed = await consumeOAuthState(this.services.db, state);
    if (!consumed.ok) {
      const why = { unknown: 'is not one we issued', used: 'was already used', expired: 'has expired' }[
        consumed.reason
      ];
      throw new UserError(`the OAuth state ${why}; start the connection again`);
    }
    const { env, urls } = this.services;
    if (!env.INTERCOM_CLIENT_ID || !env.INTERCOM_CLIENT_SECRET)
      throw new UserError('Intercom OAuth is not configured', 503);
    const connection = await this.requireKind(consumed.connectionId, 'intercom_source');
    // A state issued before a disconnect must not bring the connection back: a disconnected one is
    // re-opened only by creating it again, which also voids its earlier states (createSource).
    if (connection.status === 'Disconnected')
      throw new UserError('the connection was disconnected after this authorization started; create it again', 409);
    // The token endpoint lives on the US host whatever the workspace region (Intercom routes it).
    const exchange = await new IntercomClient({
      baseUrl: urls.intercomApi('US'),
      version: env.INTERCOM_API_VERSION,
    }).exchangeCode({
      code,
      clientId: env.INTERCOM_CLIENT_ID,
      clientSecret: env.INTERCOM_CLIENT_SECRET,
    });
    if (!exchange.ok) throw new UserError(`Intercom rejected the authorization code (${exchange.status})`);
    const token = exchange.data.access_token ?? exchange.data.token;
    let me = await new IntercomClient({ baseUrl: urls.intercomApi('US'), version: env.INTERCOM_API_VERSION }).me(token);
    if (!me.ok) throw new UserError(`Intercom did not accept the new token on /me (${me.status})`, 502);
    const region = normalizeRegion(me.data.app.region);
    if (region !== 'US') {
      // Confirm on the regional host we will use from now on.
      me = await new IntercomClient({ baseUrl: urls.intercomApi(region), version: env.INTERCOM_API_VERSION }).me(token);
      if (!me.ok) throw new UserError(`Intercom's ${region} API did not accept the token (${me.status})`, 502);
    }
    const workspaceId = me.data.app.id_code;
    // Re-authorising renews the token of the workspace the connection streams from; another workspace's
    // consent must not silently re-point it (its webhooks, its data). Disconnect and create it again.
    if (connection.intercomWorkspaceId && connection.intercomWorkspaceId !== workspaceId)
      throw new UserError(
        `this connection streams from Intercom workspace ${connection.intercomWorkspaceId}, not ${workspaceId}; ` +
          'to switch workspaces, disconnect it and create it again',
        409,
      );
    await this.repository.storeSecret(connection.id, 'intercom_access_token', token);
    await this.repository.update(connection.id, { intercomWorkspaceId: workspaceId, intercomRegion: region });
    await this.handle(connection.id).signal(authorizedSignal, { workspaceId });
    // Answer once the workflow has published the next status (webhooks for the workspace are accepted from then
    // on), or after a few seconds anyway: a callback must not hang while no worker runs.
    await this.repository.waitForStatus(connection.id, (status) => status !== 'Authorizing', 10_000);
    return { connectionId: connection.id, workspaceId };
  }

  /**
   * Creates a destination sync: checks the Intercom access token on /me, stores it sealed, issues
   * the ingest key (shown once; only its hash is kept) and starts the sync's workflow.
   */
  async createDestination(
    input: CreateDestinationInput,
  ): Promise<{ connection: Connection; workflowId: string; ingestKey: string; warnings: string[] }> {
    const settings = parseDestinationSettings(input.settings ?? {});
    if (!settings.ok) throw new UserError(settings.message);
    const { connection, workflowId, ingestKey } = await this.createIntercomSync(
      'intercom_destination',
      destinationSync,
      input,
      settings.settings,
      `Amplitude → Intercom sync "${input.name}"`,
    );
    return { connection, workflowId, ingestKey, warnings: this.destinationWarnings(settings.settings) };
  }

  /** Saves a settings edit; `warnings` say what valid settings will not do as the user may expect. */
  async updateDestinationSettings(
    connectionId: string,
    patch: SettingsPatch,
  ): Promise<{ settings: DestinationSettings; warnings: string[] }> {
    const settings = await this.updateSettings(connectionId, 'intercom_destination', updateSettingsUpdate, patch);
    return { settings, warnings: this.destinationWarnings(settings) };
  }

  private destinationWarnings(settings: DestinationSettings): string[] {
    return settingsWarnings(settings, { metadataKeyLimit: this.services.env.INTERCOM_METADATA_KEY_LIMIT });
  }

  /** The event-type registry of a sync's workspace (shared by every sync to it): names, last use, used/limit. */
  /** How many of the workspace's active event-name slots are taken (status views). */
  private async eventTypeUse(connectionId: string): Promise<{ used: number; limit: number }> {
    const { used, limit } = await this.eventTypes(connectionId);
    return { used, limit };
  }

  async eventTypes(connectionId: string) {
    const workspaceId = await this.destinationWorkspace(connectionId);
    return listEventTypes(this.services.db, workspaceId, this.services.env.INTERCOM_EVENT_TYPE_LIMIT);
  }

  /** Frees the slots of names the operator archived in Intercom (there is no API to archive or list them). */
  async releaseEventTypes(connectionId: string, names: string[]) {
    const workspaceId = await this.destinationWorkspace(connectionId);
    return releaseEventTypes(this.services.db, workspaceId, names);
  }

  private async destinationWorkspace(connectionId: string): Promise<string> {
    const connection = await this.requireKind(connectionId, 'intercom_destination');
    if (!connection.intercomWorkspaceId) throw new UserError(`sync ${connectionId} has no Intercom workspace`, 409);
    return connection.intercomWorkspaceId;
  }

  /** Replaces a sync's Intercom token (same workspace only); the workflow hears only that it changed. */
  async replaceDestinationToken(connectionId: string, token: string): Promise<void> {
    const connection = await this.requireKind(connectionId, 'intercom_destination', 'intercom_cohort');
    const me = await this.intercom(connection.intercomRegion ?? 'US').me(token);
    if (!me.ok) throw new UserError(`Intercom did not accept the access token (${me.status})`);
    if (me.data.app.id_code !== connection.intercomWorkspaceId) {
      throw new UserError('the token belongs to another Intercom workspace; create a new sync for it', 409);
    }
    await this.repository.storeSecret(connectionId, 'intercom_access_token', token);
    await retryWaitingNow(this.services.db, 'destination_outbox', connectionId, [
      TOKEN_MISSING_REASON,
      TOKEN_REVOKED_REASON,
    ]);
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(credentialsChangedSignal));
  }

  /** Replaces a source's Amplitude API key (e.g. after Amplitude rejected the old one); its workflow clears the error. */
  async replaceSourceApiKey(connectionId: string, apiKey: string): Promise<void> {
    await this.requireKind(connectionId, 'intercom_source');
    await this.repository.storeSecret(connectionId, 'amplitude_api_key', apiKey);
    await retryWaitingNow(this.services.db, 'source_inbox', connectionId, [
      API_KEY_MISSING_REASON,
      API_KEY_REJECTED_REASON,
    ]);
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(credentialsChangedSignal));
  }

  /** A new ingest key; the old one stops working at once (give or take the API's 2 s cache). */
  async rotateIngestKey(connectionId: string): Promise<string> {
    await this.requireKind(connectionId, 'intercom_destination', 'intercom_cohort');
    const ingestKey = randomToken(24);
    await this.repository.update(connectionId, { ingestKeyHash: sha256Hex(ingestKey) });
    return ingestKey;
  }

  /** Re-sends a window of ingested events (Intercom dedupes what it already has). */
  async replay(connectionId: string, from: string, to: string): Promise<void> {
    await this.requireKind(connectionId, 'intercom_destination');
    if (!(Date.parse(from) < Date.parse(to))) throw new UserError('replay needs from < to (ISO-8601 times)');
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(replaySignal, { from, to }));
  }

  private intercom(region: 'US' | 'EU' | 'AU') {
    return new IntercomClient({
      baseUrl: this.services.urls.intercomApi(region),
      version: this.services.env.INTERCOM_API_VERSION,
    });
  }

  async configureSource(connectionId: string, patch: SourceSettingsPatch): Promise<SourceSettings> {
    return this.updateSettings(connectionId, 'intercom_source', configureUpdate, patch);
  }

  /** Edits a connection's settings through its workflow's update; a refused edit is the user's error. */
  private async updateSettings<S, P>(
    connectionId: string,
    kind: Connection['kind'],
    update: UpdateDefinition<S, [P]>,
    patch: P,
  ): Promise<S> {
    await this.requireKind(connectionId, kind);
    try {
      return await this.handle(connectionId).executeUpdate(update, { args: [patch] });
    } catch (err) {
      throw asUserError(err);
    }
  }

  async status(connectionId: string): Promise<unknown> {
    const connection = await this.repository.get(connectionId);
    if (!connection) throw new UserError(`no connection ${connectionId}`, 404);
    const identity = {
      connectionId,
      kind: connection.kind,
      name: connection.name,
      workflowId: this.handle(connectionId).workflowId,
      amplitudeRegion: connection.amplitudeRegion,
      intercomRegion: connection.intercomRegion,
    };
    const counts = await liveCounts(this.services.db, connection);
    try {
      const handle = this.handle(connectionId);
      // A query waits for a worker to answer it: with none polling, it fails after this (not the server's 30 s).
      const lifecycle = await this.temporal.connection.withDeadline<object>(
        Date.now() + STATUS_QUERY_DEADLINE_MS,
        () =>
          connection.kind === 'intercom_source'
            ? handle.query(sourceStatusQuery)
            : connection.kind === 'intercom_cohort'
              ? handle.query(cohortStatusQuery)
              : handle.query(destinationStatusQuery),
      );
      const slots =
        connection.kind === 'intercom_destination' ? { eventTypes: await this.eventTypeUse(connectionId) } : {};
      return { ...identity, ...lifecycle, ...counts, ...slots };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { ...identity, status: connection.status, ...counts };
      // A query needs a worker: say so instead of failing obscurely (the workflow itself is unharmed).
      throw new UserError(
        `could not query the connection's workflow (${(err as Error).message}); is a worker polling task queue ${this.taskQueue}?`,
        503,
      );
    }
  }

  async disconnect(connectionId: string): Promise<void> {
    await this.requireAny(connectionId);
    await this.signalRunning(connectionId, () =>
      this.handle(connectionId).signal(disconnectSignal, { reason: 'operator' }),
    );
  }

  /**
   * Creates a cohort sync: checks the Intercom access token on /me, stores it sealed, issues the ingest key that
   * Amplitude's Cohort Webhooks destination sends in a custom header (shown once; only its hash is kept) and starts
   * the sync's workflow.
   */
  async createCohortSync(
    input: CreateCohortSyncInput,
  ): Promise<{ connection: Connection; workflowId: string; ingestKey: string }> {
    const settings = parseCohortSettings(input.settings ?? {});
    if (!settings.ok) throw new UserError(settings.message);
    return this.createIntercomSync(
      'intercom_cohort',
      cohortSync,
      input,
      settings.settings,
      `Amplitude cohorts → Intercom tags "${input.name}"`,
    );
  }

  /**
   * What creating a destination sync and a cohort sync share: checks the Intercom access token on /me, stores
   * it sealed, issues the ingest key (shown once; only its hash is kept) and starts the sync's workflow.
   */
  private async createIntercomSync<S extends DestinationSettings | CohortSettings>(
    kind: 'intercom_destination' | 'intercom_cohort',
    workflow: (input: {
      connectionId: string;
      workspaceId: string;
      settings: S;
      historyForm?: number;
    }) => Promise<unknown>,
    input: CreateIntercomSyncInput,
    settings: S,
    summary: string,
  ): Promise<{ connection: Connection; workflowId: string; ingestKey: string }> {
    const region = input.intercomRegion ?? 'US';
    const me = await this.intercom(region).me(input.intercomAccessToken);
    if (!me.ok) throw new UserError(`Intercom did not accept the access token (${me.status})`);
    const id = `${kind === 'intercom_destination' ? 'destination' : 'cohort'}-${randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
    const ingestKey = randomToken(24);
    const connection = await this.repository.upsert({
      id,
      kind,
      name: input.name,
      status: settings.status === 'enabled' ? 'Enabled' : 'Disabled',
      intercomWorkspaceId: me.data.app.id_code,
      intercomRegion: region,
      settings,
      ingestKeyHash: sha256Hex(ingestKey),
      deliveryShard: shardOf(id, this.services.env.DELIVERY_SHARDS),
    });
    await this.repository.storeSecret(id, 'intercom_access_token', input.intercomAccessToken);
    const workflowId = workflowIdFor(id);
    await this.temporal.workflow.start(workflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ connectionId: id, workspaceId: me.data.app.id_code, settings, historyForm: HISTORY_FORM }],
      workflowIdConflictPolicy: 'FAIL',
      memo: connectionMemo(connection),
      typedSearchAttributes: [
        { key: ProviderKey, value: kind === 'intercom_destination' ? 'intercom-destination' : 'intercom-cohort' },
        { key: IntercomWorkspaceKey, value: me.data.app.id_code },
        { key: ConnectionStatusKey, value: connection.status },
      ],
      staticSummary: summary.slice(0, 200),
    });
    return { connection, workflowId, ingestKey };
  }

  async updateCohortSettings(connectionId: string, patch: CohortSettingsPatch): Promise<CohortSettings> {
    return this.updateSettings(connectionId, 'intercom_cohort', updateCohortSettingsUpdate, patch);
  }

  /**
   * A full member list for one cohort: stored, then its id is signalled to the sync's workflow, which turns the
   * list into the additions and removals that make the tag hold exactly these members.
   */
  async resyncCohort(connectionId: string, input: ResyncInput): Promise<{ resyncId: string }> {
    const connection = await this.requireKind(connectionId, 'intercom_cohort');
    if (connection.status === 'Disconnected') throw new UserError('the sync is disconnected', 409);
    const settings = connection.settings as unknown as CohortSettings;
    if (settings.mapping.from.kind !== 'user_id')
      throw new UserError(
        'a resync gives user ids only, so it needs the mapping to read the Amplitude user id (not a user property)',
        409,
      );
    const resyncId = `resync-${randomToken(9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`;
    await storeResync(this.services.db, { id: resyncId, connectionId, ...input, userIds: [...new Set(input.userIds)] });
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(resyncSignal, { resyncId }));
    return { resyncId };
  }

  /** Disconnects a cohort sync; with `removeTag` its tags are deleted from Intercom too (by default they stay). */
  async disconnectCohortSync(connectionId: string, removeTag: boolean): Promise<void> {
    await this.requireKind(connectionId, 'intercom_cohort');
    await this.signalRunning(connectionId, () =>
      removeTag
        ? this.handle(connectionId).signal(disconnectRemovingTagSignal)
        : this.handle(connectionId).signal(disconnectSignal, { reason: 'operator' }),
    );
  }

  /** Queues a historical backfill on a source connection; progress shows in its status. */
  async backfill(connectionId: string, request: BackfillRequest): Promise<void> {
    await this.requireKind(connectionId, 'intercom_source');
    const problem = backfillRequestProblem(request);
    if (problem) throw new UserError(problem);
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(backfillSignal, request));
  }

  async pause(connectionId: string): Promise<void> {
    await this.requireAny(connectionId);
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(pauseSignal));
  }

  async resume(connectionId: string): Promise<void> {
    await this.requireAny(connectionId);
    await this.signalRunning(connectionId, () => this.handle(connectionId).signal(resumeSignal));
  }

  /**
   * Intercom's (unsigned) uninstall notice for a workspace: each source receiving from it is told, and checks its
   * token against Intercom before anything is done (src/http/routes/intercom-webhooks.ts relays at most one a while).
   */
  async reportUninstall(workspaceId: string): Promise<void> {
    const sources = await this.repository.receivingSourcesForWorkspace(workspaceId);
    await Promise.all(
      sources.map((source) =>
        this.handle(source.id)
          .signal(uninstallReportedSignal)
          .catch((err) =>
            this.services.logger.warn(
              { connectionId: source.id, err: { message: (err as Error).message } },
              'uninstall signal failed',
            ),
          ),
      ),
    );
  }

  private async signalRunning(connectionId: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new UserError(`connection ${connectionId} has no running workflow`, 409);
      throw err;
    }
  }

  private async requireAny(connectionId: string): Promise<Connection> {
    const connection = await this.repository.get(connectionId);
    if (!connection) throw new UserError(`no connection ${connectionId}`, 404);
    return connection;
  }

  private async requireKind(connectionId: string, ...kinds: Connection['kind'][]): Promise<Connection> {
    const connection = await this.requireAny(connectionId);
    if (!kinds.includes(connection.kind))
      throw new UserError(`connection ${connectionId} is not an ${kinds.join(' or ')} connection`, 409);
    return connection;
  }
}

/** What the Temporal UI shows in a connection workflow's "Memo" (its name and kind; nothing secret). */
export function connectionMemo(connection: Pick<Connection, 'name' | 'kind'>): Record<string, string> {
  return { name: connection.name, kind: connection.kind };
}

function normalizeRegion(region: string | undefined): 'US' | 'EU' | 'AU' {
  const upper = (region ?? 'US').toUpperCase();
  return upper === 'EU' || upper === 'AU' ? upper : 'US';
}

/** Update validators reject with a WorkflowUpdateFailedError whose cause carries our message. */
export function asUserError(err: unknown): Error {
  const cause = (err as { cause?: { message?: string } }).cause;
  if ((err as Error).name === 'WorkflowUpdateFailedError' && cause?.message) return new UserError(cause.message);
  if (err instanceof WorkflowNotFoundError) return new UserError('the connection has no running workflow', 409);
  return err as Error;
}
