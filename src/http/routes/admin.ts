import express, { Router } from 'express';
import { z } from 'zod';
import type { ConnectionsService } from '../../connections/service';
import { PROJECT_ID_PATTERN } from '../../connections/ids';
import { eventNamingSchema, identityMappingSchema, sourceSettingsPatchSchema } from '../../source/connection-settings';
import { requireAdminToken } from '../admin-auth';
import { route } from '../async-handler';

const createSourceSchema = z
  .object({
    amplitudeProjectId: z.string().regex(PROJECT_ID_PATTERN, 'letters, digits, - and _ only (1–64)'),
    amplitudeApiKey: z.string().min(1, 'required'),
    amplitudeRegion: z.enum(['US', 'EU']).optional(),
    identityMapping: identityMappingSchema.optional(),
    eventNaming: eventNamingSchema.optional(),
    name: z.string().min(1).max(200).optional(),
  })
  .strict();

const createDestinationSchema = z
  .object({
    name: z.string().min(1, 'required').max(200),
    intercomAccessToken: z.string().min(1, 'required'),
    intercomRegion: z.enum(['US', 'EU', 'AU']).optional(),
    settings: z.unknown().optional(),
  })
  .strict();

const backfillSchema = z
  .object({
    since: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
    objects: z.array(z.enum(['contacts', 'conversations'])).optional(),
  })
  .strict();

/** Names archived in Intercom (Settings → Data → Events), as sent or as Intercom keeps them. */
const releaseEventTypesSchema = z
  .object({ names: z.array(z.string().trim().min(1, 'must not be empty').max(1024)).min(1).max(500) })
  .strict();

const replaySchema = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .strict();

/**
 * The admin API (bearer token): create and configure connections, read their status, and send
 * the same signals an operator can send with `temporal workflow signal`.
 */
export function adminRoutes(connections: ConnectionsService, adminToken: string | undefined): Router {
  const router = Router();
  router.use('/api', requireAdminToken(adminToken), express.json({ limit: '256kb' }));

  router.get(
    '/api/connections',
    route(async (_req, res) => {
      const rows = await connections.repository.list();
      res.json({
        connections: rows.map((c) => ({
          id: c.id,
          kind: c.kind,
          name: c.name,
          status: c.status,
          amplitudeProjectId: c.amplitudeProjectId,
          intercomWorkspaceId: c.intercomWorkspaceId,
          workflowId: connections.handle(c.id).workflowId,
        })),
      });
    }),
  );

  router.get(
    '/api/connections/:id',
    route(async (req, res) => {
      res.json(await connections.status(String(req.params.id)));
    }),
  );

  for (const action of ['disconnect', 'pause', 'resume'] as const) {
    router.post(
      `/api/connections/:id/${action}`,
      route(async (req, res) => {
        await connections[action](String(req.params.id));
        res.status(202).json({ ok: true, action });
      }),
    );
  }

  router.post(
    '/api/connections/:id/backfill',
    route(async (req, res) => {
      await connections.backfill(String(req.params.id), backfillSchema.parse(req.body));
      res.status(202).json({ ok: true, action: 'backfill' });
    }),
  );

  router.post(
    '/api/sources',
    route(async (req, res) => {
      const input = createSourceSchema.parse(req.body);
      const created = await connections.createSource(input);
      res.status(201).json({
        connectionId: created.connection.id,
        workflowId: created.workflowId,
        status: created.connection.status,
        authorizeUrl: created.authorizeUrl,
      });
    }),
  );

  router.post(
    '/api/sources/:id/authorize',
    route(async (req, res) => {
      res.json({ authorizeUrl: await connections.authorizeUrl(String(req.params.id)) });
    }),
  );

  router.patch(
    '/api/sources/:id/settings',
    route(async (req, res) => {
      const patch = sourceSettingsPatchSchema.parse(req.body);
      res.json({ settings: await connections.configureSource(String(req.params.id), patch) });
    }),
  );

  router.post(
    '/api/destinations',
    route(async (req, res) => {
      const input = createDestinationSchema.parse(req.body);
      const created = await connections.createDestination(input);
      res.status(201).json({
        connectionId: created.connection.id,
        workflowId: created.workflowId,
        status: created.connection.status,
        workspaceId: created.connection.intercomWorkspaceId,
        // Shown once: only its hash is stored. Use it as the api_key of Amplitude SDKs pointed at this service.
        ingestKey: created.ingestKey,
        endpoints: ['/2/httpapi', '/batch', '/identify'],
        warnings: created.warnings,
      });
    }),
  );

  router.patch(
    '/api/destinations/:id/settings',
    route(async (req, res) => {
      // { settings, warnings }: warnings explain what valid settings will not do, e.g. Intercom's metadata key limit.
      res.json(await connections.updateDestinationSettings(String(req.params.id), req.body));
    }),
  );

  router.get(
    '/api/destinations/:id/event-types',
    route(async (req, res) => {
      res.json(await connections.eventTypes(String(req.params.id)));
    }),
  );

  router.post(
    '/api/destinations/:id/event-types/release',
    route(async (req, res) => {
      const { names } = releaseEventTypesSchema.parse(req.body);
      res.json(await connections.releaseEventTypes(String(req.params.id), names));
    }),
  );

  router.put(
    '/api/destinations/:id/token',
    route(async (req, res) => {
      const { intercomAccessToken } = z
        .object({ intercomAccessToken: z.string().min(1, 'required') })
        .strict()
        .parse(req.body);
      await connections.replaceDestinationToken(String(req.params.id), intercomAccessToken);
      res.status(204).end();
    }),
  );

  router.post(
    '/api/destinations/:id/ingest-key',
    route(async (req, res) => {
      res.json({ ingestKey: await connections.rotateIngestKey(String(req.params.id)) });
    }),
  );

  router.post(
    '/api/destinations/:id/replay',
    route(async (req, res) => {
      const { from, to } = replaySchema.parse(req.body);
      await connections.replay(String(req.params.id), from, to);
      res.status(202).json({ ok: true });
    }),
  );

  return router;
}
