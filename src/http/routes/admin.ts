import express, { Router } from 'express';
import type { ConnectionsService } from '../../connections/service';
import type { Connection } from '../../connections/repository';
import { BACKFILL_OBJECTS } from '../../../workflows/backfill-messages';
import {
  adminApi,
  formatIssues,
  type AdminApi,
  type AdminRoute,
  type RouteInput,
  type RouteResult,
} from '../admin-api';
import { adminOpenApiDocument } from '../openapi';
import { requireAdminToken } from '../admin-auth';
import { route } from '../async-handler';
import { COHORT_WEBHOOK_PATH } from './cohort-webhook';

type Handlers = { [K in keyof AdminApi]: (input: RouteInput<AdminApi[K]>) => Promise<RouteResult<AdminApi[K]>> };

/** What each admin route does; its method, path and schemas are declared in ../admin-api.ts. */
function handlers(connections: ConnectionsService): Handlers {
  return {
    listConnections: async () => ({
      connections: (await connections.repository.list()).map((c) => ({
        id: c.id,
        kind: c.kind,
        name: c.name,
        status: c.status,
        amplitudeProjectId: c.amplitudeProjectId,
        intercomWorkspaceId: c.intercomWorkspaceId,
        workflowId: connections.handle(c.id).workflowId,
      })),
    }),
    connectionStatus: async ({ params }) =>
      (await connections.status(params.id)) as RouteResult<AdminApi['connectionStatus']>,
    disconnect: async ({ params }) => {
      await connections.disconnect(params.id);
      return { ok: true, action: 'disconnect' };
    },
    pause: async ({ params }) => {
      await connections.pause(params.id);
      return { ok: true, action: 'pause' };
    },
    resume: async ({ params }) => {
      await connections.resume(params.id);
      return { ok: true, action: 'resume' };
    },
    backfill: async ({ params, body }) => {
      await connections.backfill(params.id, { ...body, objects: body.objects ?? [...BACKFILL_OBJECTS] });
      return { ok: true, action: 'backfill' };
    },
    createSource: async ({ body }) => {
      const created = await connections.createSource(body);
      return {
        connectionId: created.connection.id,
        workflowId: created.workflowId,
        status: created.connection.status,
        authorizeUrl: created.authorizeUrl,
      };
    },
    authorizeSource: async ({ params }) => ({ authorizeUrl: await connections.authorizeUrl(params.id) }),
    configureSource: async ({ params, body }) => ({ settings: await connections.configureSource(params.id, body) }),
    createDestination: async ({ body }) => {
      const created = await connections.createDestination(body);
      return {
        ...intercomSyncCreated(created),
        endpoints: ['/2/httpapi', '/batch', '/identify'],
        warnings: created.warnings,
      };
    },
    // { settings, warnings }: warnings explain what valid settings will not do, e.g. Intercom's metadata key limit.
    updateDestinationSettings: async ({ params, body }) => connections.updateDestinationSettings(params.id, body),
    eventTypes: async ({ params }) => connections.eventTypes(params.id),
    releaseEventTypes: async ({ params, body }) => connections.releaseEventTypes(params.id, body.names),
    replaceSourceApiKey: async ({ params, body }) => {
      await connections.replaceSourceApiKey(params.id, body.amplitudeApiKey);
    },
    replaceDestinationToken: async ({ params, body }) => {
      await connections.replaceDestinationToken(params.id, body.intercomAccessToken);
    },
    rotateIngestKey: async ({ params }) => ({ ingestKey: await connections.rotateIngestKey(params.id) }),
    createCohortSync: async ({ body }) => {
      const created = await connections.createCohortSync(body);
      return {
        ...intercomSyncCreated(created),
        endpoint: COHORT_WEBHOOK_PATH,
        header: `Authorization: Bearer ${created.ingestKey}`,
      };
    },
    updateCohortSettings: async ({ params, body }) => ({
      settings: await connections.updateCohortSettings(params.id, body),
    }),
    resyncCohort: async ({ params, body }) => {
      const { resyncId } = await connections.resyncCohort(params.id, body);
      return { ok: true, action: 'resync', resyncId };
    },
    disconnectCohortSync: async ({ params, body }) => {
      await connections.disconnectCohortSync(params.id, body.removeTag ?? false);
      return { ok: true, action: 'disconnect' };
    },
    replay: async ({ params, body }) => {
      await connections.replay(params.id, body.from, body.to);
      return { ok: true, action: 'replay' };
    },
  };
}

/**
 * The admin API (bearer token): create and configure connections, read their status, and send
 * the same signals an operator can send with `temporal workflow signal`. Each route's input is
 * validated by its declared schemas; outside production its answer is checked against the
 * declared response schema too, so the OpenAPI document cannot drift from what is served.
 */
export function adminRoutes(
  connections: ConnectionsService,
  adminToken: string | undefined,
  options: { checkResponses?: boolean } = {},
): Router {
  const router = Router();
  const document = adminOpenApiDocument();
  // Public: the description holds no secrets, and clients fetch it before they have a token.
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api', requireAdminToken(adminToken));
  // Routes that take larger bodies parse them first (after the token check); the rest get the default limit.
  for (const spec of Object.values(adminApi) as AdminRoute[])
    if (spec.bodyLimit) router[spec.method](spec.path, express.json({ limit: spec.bodyLimit }));
  router.use('/api', express.json({ limit: '256kb' }));

  const implementations = handlers(connections) as Record<
    string,
    (input: { params: unknown; body: unknown }) => Promise<unknown>
  >;
  for (const [name, spec] of Object.entries(adminApi) as [string, AdminRoute][]) {
    const handle = implementations[name]!;
    router[spec.method](
      spec.path,
      route(async (req, res) => {
        const params = spec.params ? spec.params.parse(req.params) : undefined;
        const body = spec.body ? spec.body.parse(req.body ?? {}) : undefined;
        const result = await handle({ params, body });
        if (spec.status === 204) {
          res.status(204).end();
          return;
        }
        const checked = options.checkResponses ? spec.response?.safeParse(result) : undefined;
        if (checked && !checked.success)
          throw new Error(`${name} answered outside its declared schema: ${formatIssues(checked.error)}`);
        res.status(spec.status).json(result);
      }),
    );
  }
  return router;
}

/** What creating a destination sync and a cohort sync both answer. */
function intercomSyncCreated(created: { connection: Connection; workflowId: string; ingestKey: string }) {
  return {
    connectionId: created.connection.id,
    workflowId: created.workflowId,
    status: created.connection.status,
    workspaceId: created.connection.intercomWorkspaceId,
    ingestKey: created.ingestKey,
  };
}
