import { z } from 'zod';
import { PROJECT_ID_PATTERN } from '../connections/ids';
import { eventNamingSchema, identityMappingSchema, sourceSettingsPatchSchema } from '../source/connection-settings';
import { destinationSettingsSchema, formatIssuePath, settingsPatchSchema } from '../destination/settings';
import { cohortSettingsPatchSchema, cohortSettingsSchema } from '../cohort/settings';
import { MAX_COHORT_ID_LENGTH, MAX_COHORT_NAME_LENGTH, MAX_USER_ID_LENGTH } from '../cohort/webhook-payload';

/**
 * The admin API, declared once: each route's method, path, input and output schemas. This table
 * drives the server's validation (src/http/routes/admin.ts binds a handler to each key), the
 * OpenAPI document (src/http/openapi.ts) and the operator CLI (src/entrypoints/cli.ts: a route
 * with a `cli` name is a command). It imports nothing but schemas, so the CLI stays light.
 *
 * To add a route: declare it here, add its handler in routes/admin.ts (the compiler insists), and
 * give it a `cli` name if operators should have it as a command.
 */
export interface AdminRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path; each `:name` segment is a key of `params`. */
  path: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  body?: z.ZodType;
  /** Success status; 204 answers without a body. */
  status: 200 | 201 | 202 | 204;
  response?: z.ZodType;
  /** The CLI command that calls this route: `connector <cli> [<path params>…] [--body-field value]…`. */
  cli?: string;
  /** A larger JSON body than the API's default 256 kB (a cohort's full member list). */
  bodyLimit?: string;
}

/**
 * An instant in an admin request: an ISO 8601 date-time with an offset, or a date (midnight UTC).
 * Normalised to a full UTC date-time, so every consumer (workflows, SQL) reads the same instant.
 * The CLI validates through the same schemas, so both accept and reject the same input.
 */
export const isoInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    message: 'expected an ISO 8601 date (2026-10-01) or date-time with offset (2026-10-01T00:00:00Z)',
  })
  .transform((value) => new Date(value).toISOString())
  .meta({ description: 'ISO 8601 date-time with offset, or a date (midnight UTC)', example: '2026-10-01T00:00:00Z' });

const connectionId = z
  .string()
  .min(1)
  .meta({ description: 'Connection id, e.g. source-123456, destination-… or cohort-…' });
const idParams = z.object({ id: connectionId });
const accepted = (action: string) =>
  z.object({ ok: z.literal(true), action: z.literal(action) }).meta({ description: 'The signal was sent' });

const connectionKind = z.enum(['intercom_source', 'intercom_destination', 'intercom_cohort']);
const connectionSummary = z.object({
  id: z.string(),
  kind: connectionKind,
  name: z.string(),
  status: z.string().meta({ description: 'Authorizing, Configuring, Listening, Connected, Paused, Disconnected, …' }),
  amplitudeProjectId: z.string().nullable(),
  intercomWorkspaceId: z.string().nullable(),
  workflowId: z.string(),
});

/** A connection's live status: its identity plus whatever its workflow's status query answers. */
const connectionStatus = z
  .looseObject({
    connectionId: z.string(),
    kind: connectionKind,
    name: z.string(),
    workflowId: z.string(),
    status: z.string(),
  })
  .meta({ description: "The connection and its workflow's status query (phase, counters, last error, …)" });

// Field titles and descriptions label the setup page's forms and its error messages (it reads this document).
const amplitudeApiKey = z.string().min(1, 'required').meta({
  title: 'Amplitude API key',
  description: 'The project’s API key (Amplitude: Settings → Projects). Stored encrypted.',
  format: 'password',
});
const intercomAccessToken = z.string().min(1, 'required').meta({
  title: 'Intercom access token',
  description: 'From your Intercom app (Developer Hub → Authentication). Stored encrypted.',
  format: 'password',
});
const connectionName = z.string().min(1, 'required').max(200).meta({ title: 'Name' });

export const createSourceBody = z.strictObject({
  amplitudeProjectId: z
    .string()
    .regex(PROJECT_ID_PATTERN, 'letters, digits, - and _ only (1–64)')
    .meta({ title: 'Amplitude project ID', description: 'Events stream into this Amplitude project.' }),
  amplitudeApiKey,
  amplitudeRegion: z.enum(['US', 'EU']).optional().meta({ title: 'Amplitude data region' }),
  identityMapping: identityMappingSchema.optional(),
  eventNaming: eventNamingSchema.optional(),
  name: connectionName.optional(),
});

/** What valid settings will not do as a user may expect (e.g. Intercom keeps 10 metadata keys, Amplitude allows 20). */
const settingsWarnings = z.array(z.string());

/** What creating a sync into Intercom answers; `ingestKeyUse` says where the key goes. */
const intercomSyncCreated = (ingestKeyUse: string) =>
  z.object({
    connectionId: z.string(),
    workflowId: z.string(),
    status: z.string(),
    workspaceId: z.string().nullable(),
    ingestKey: z.string().meta({ description: `Shown once (only its hash is stored): ${ingestKeyUse}` }),
  });

export const createDestinationBody = z.strictObject({
  name: connectionName,
  intercomAccessToken,
  intercomRegion: z.enum(['US', 'EU', 'AU']).optional().meta({ title: 'Intercom region' }),
  settings: destinationSettingsSchema.optional().meta({ description: 'Initial settings; omitted parts take defaults' }),
});

export const createCohortSyncBody = z.strictObject({
  name: connectionName,
  intercomAccessToken,
  intercomRegion: z.enum(['US', 'EU', 'AU']).optional().meta({ title: 'Intercom region' }),
  settings: cohortSettingsSchema.optional().meta({ description: 'Initial settings; omitted parts take defaults' }),
});

/** A resync's member list: Amplitude's largest cohorts sync in batches, so this bounds one list, not a cohort. */
export const MAX_RESYNC_MEMBERS = 200_000;

export const resyncBody = z.strictObject({
  cohortId: z.string().trim().min(1, 'required').max(MAX_COHORT_ID_LENGTH).meta({
    title: 'Cohort ID',
    description: 'As Amplitude names it (the `cohort_id` of its cohort webhook, e.g. 7khm89cz)',
  }),
  cohortName: z.string().trim().min(1, 'required').max(MAX_COHORT_NAME_LENGTH).meta({
    title: 'Cohort name',
    description: 'Names the tag when the sync has no tag name of its own',
  }),
  userIds: z
    .array(z.string().trim().min(1, 'must not be empty').max(MAX_USER_ID_LENGTH))
    .max(MAX_RESYNC_MEMBERS, `at most ${MAX_RESYNC_MEMBERS} members per resync`)
    .meta({
      title: 'Members',
      description: 'Every Amplitude user id in the cohort now (an empty list empties the tag)',
    }),
});

export const backfillBody = z.strictObject({
  since: isoInstant.meta({ title: 'From', description: 'Start of the window: a date (midnight UTC) or a date-time' }),
  until: isoInstant.meta({
    title: 'Until',
    description: 'End of the window, excluded: a date (midnight UTC) or a date-time',
  }),
  objects: z
    .array(z.enum(['contacts', 'conversations']))
    .optional()
    .meta({
      title: 'What to import',
      description: 'Contacts and conversations created or updated in the window; both when omitted.',
      'x-enumTitles': { contacts: 'Contacts', conversations: 'Conversations' },
    }),
});

export const replayBody = z.strictObject({ from: isoInstant, to: isoInstant });

const signalRoute = (action: 'disconnect' | 'pause' | 'resume', summary: string) =>
  ({
    method: 'post',
    path: `/api/connections/:id/${action}`,
    summary,
    params: idParams,
    status: 202,
    response: accepted(action),
    cli: action,
  }) as const satisfies AdminRoute;

export const adminApi = {
  listConnections: {
    method: 'get',
    path: '/api/connections',
    summary: 'List all connections with their status and workflow id',
    status: 200,
    response: z.object({ connections: z.array(connectionSummary) }),
    cli: 'list',
  },
  connectionStatus: {
    method: 'get',
    path: '/api/connections/:id',
    summary: "A connection's live status (its workflow's status query)",
    params: idParams,
    status: 200,
    response: connectionStatus,
    cli: 'status',
  },
  disconnect: signalRoute('disconnect', 'Disconnect a connection (the workflow cleans up and ends)'),
  pause: signalRoute('pause', 'Pause delivery; everything received is kept until resume'),
  resume: signalRoute('resume', 'Resume a paused connection'),
  backfill: {
    method: 'post',
    path: '/api/connections/:id/backfill',
    summary: 'Source: import a window of Intercom history (contacts, conversations)',
    params: idParams,
    body: backfillBody,
    status: 202,
    response: accepted('backfill'),
    cli: 'backfill',
  },
  createSource: {
    method: 'post',
    path: '/api/sources',
    summary: 'Create (or reopen) the Intercom → Amplitude source of an Amplitude project',
    description: 'Answers the Intercom authorization URL to open in a browser.',
    body: createSourceBody,
    status: 201,
    response: z.object({
      connectionId: z.string(),
      workflowId: z.string(),
      status: z.string(),
      authorizeUrl: z.string(),
    }),
    cli: 'create-source',
  },
  authorizeSource: {
    method: 'post',
    path: '/api/sources/:id/authorize',
    summary: 'A fresh Intercom authorization URL for a source (single-use state)',
    params: idParams,
    status: 200,
    response: z.object({ authorizeUrl: z.string() }),
    cli: 'authorize',
  },
  configureSource: {
    method: 'patch',
    path: '/api/sources/:id/settings',
    summary: "Change a source's settings (identity mapping)",
    params: idParams,
    body: sourceSettingsPatchSchema,
    status: 200,
    response: z.object({ settings: z.object({ identityMapping: identityMappingSchema.optional() }) }),
    cli: 'source-settings',
  },
  createDestination: {
    method: 'post',
    path: '/api/destinations',
    summary: 'Create an Amplitude → Intercom sync; answers its ingest key once',
    body: createDestinationBody,
    status: 201,
    response: intercomSyncCreated('the api_key of Amplitude SDKs pointed at this service').extend({
      endpoints: z.array(z.string()),
      warnings: settingsWarnings,
    }),
    cli: 'create-destination',
  },
  updateDestinationSettings: {
    method: 'patch',
    path: '/api/destinations/:id/settings',
    summary: "Change a sync's settings (a partial edit; lists are replaced whole)",
    params: idParams,
    body: settingsPatchSchema,
    status: 200,
    response: z.object({ settings: destinationSettingsSchema, warnings: settingsWarnings }),
    cli: 'destination-settings',
  },
  eventTypes: {
    method: 'get',
    path: '/api/destinations/:id/event-types',
    summary:
      "The event names holding slots in the sync's Intercom workspace (Intercom keeps 120 active), with their last use",
    params: idParams,
    status: 200,
    response: z.object({
      used: z.number(),
      limit: z.number(),
      eventTypes: z.array(
        z.object({
          name: z.string(),
          status: z.enum(['active', 'rejected']),
          firstSeenAt: z.string(),
          lastUsedAt: z.string().nullable(),
        }),
      ),
    }),
    cli: 'event-types',
  },
  releaseEventTypes: {
    method: 'post',
    path: '/api/destinations/:id/event-types/release',
    summary: 'Free the slots of event names archived in Intercom (Settings → Data → Events)',
    params: idParams,
    body: z.strictObject({
      names: z.array(z.string().trim().min(1, 'must not be empty').max(1024)).min(1).max(500),
    }),
    status: 200,
    response: z.object({ released: z.array(z.string()), unknown: z.array(z.string()) }),
    cli: 'release-event-types',
  },
  replaceSourceApiKey: {
    method: 'put',
    path: '/api/sources/:id/amplitude-key',
    summary: "Replace a source's Amplitude API key (e.g. after Amplitude rejected the old one); an Error clears",
    params: idParams,
    body: z.strictObject({ amplitudeApiKey }),
    status: 204,
    cli: 'replace-amplitude-key',
  },
  replaceDestinationToken: {
    method: 'put',
    path: '/api/destinations/:id/token',
    summary: "Replace a sync's (or a cohort sync's) Intercom access token (same workspace only)",
    params: idParams,
    body: z.strictObject({ intercomAccessToken }),
    status: 204,
    cli: 'replace-token',
  },
  rotateIngestKey: {
    method: 'post',
    path: '/api/destinations/:id/ingest-key',
    summary: 'Issue a new ingest key for a sync (or a cohort sync); the old one stops working',
    params: idParams,
    status: 200,
    response: z.object({ ingestKey: z.string() }),
    cli: 'rotate-ingest-key',
  },
  createCohortSync: {
    method: 'post',
    path: '/api/cohort-syncs',
    summary: 'Create an Amplitude cohorts → Intercom tags sync; answers its ingest key once',
    description:
      "Point Amplitude's Cohort Webhooks destination at `endpoint` with the custom header `header` (the ingest key).",
    body: createCohortSyncBody,
    status: 201,
    response: intercomSyncCreated('the value of the custom header Amplitude sends').extend({
      endpoint: z.string(),
      header: z.string().meta({ description: 'The custom header to add in Amplitude, e.g. `Authorization: Bearer …`' }),
    }),
    cli: 'create-cohort-sync',
  },
  updateCohortSettings: {
    method: 'patch',
    path: '/api/cohort-syncs/:id/settings',
    summary: "Change a cohort sync's settings (tag name, mapping, status)",
    params: idParams,
    body: cohortSettingsPatchSchema,
    status: 200,
    response: z.object({ settings: cohortSettingsSchema }),
    cli: 'cohort-settings',
  },
  resyncCohort: {
    method: 'post',
    path: '/api/cohort-syncs/:id/resync',
    summary:
      "Converge a cohort's Intercom tag to a full member list (adds who is missing, removes who should not be there)",
    params: idParams,
    body: resyncBody,
    status: 202,
    response: z.object({ ok: z.literal(true), action: z.literal('resync'), resyncId: z.string() }),
    cli: 'resync',
    bodyLimit: '16mb',
  },
  disconnectCohortSync: {
    method: 'post',
    path: '/api/cohort-syncs/:id/disconnect',
    summary: 'Disconnect a cohort sync; its tags stay in Intercom unless removeTag is true',
    params: idParams,
    body: z.strictObject({
      removeTag: z.boolean().optional().meta({
        title: 'Remove the tags',
        description: 'Delete the sync’s tags from Intercom (they leave every contact)',
      }),
    }),
    status: 202,
    response: accepted('disconnect'),
    cli: 'disconnect-cohort-sync',
  },
  replay: {
    method: 'post',
    path: '/api/destinations/:id/replay',
    summary: 'Re-send a window of ingested events to Intercom (Intercom dedupes what it has)',
    params: idParams,
    body: replayBody,
    status: 202,
    response: accepted('replay'),
    cli: 'replay',
  },
} as const satisfies Record<string, AdminRoute>;

export type AdminApi = typeof adminApi;
export type AdminRouteName = keyof AdminApi;

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: the validated path parameters and body. */
export interface RouteInput<R extends AdminRoute> {
  params: Output<R['params']>;
  body: Output<R['body']>;
}

/** What a handler returns: the response body (before the schema's defaults), nothing for 204. */
export type RouteResult<R extends AdminRoute> = R['response'] extends z.ZodType ? z.input<R['response']> : void;

/** `/api/connections/:id` → `/api/connections/{id}` (OpenAPI's template syntax). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The path with its parameters filled in (URL-encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** One line per problem, `field: message`, as every admin 400 says it. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? formatIssuePath(i.path) : 'body'}: ${i.message}`).join('; ');
}
