import { Router } from 'express';
import type { ConnectionsService } from '../../connections/service';
import { route } from '../async-handler';

/** Intercom redirects the browser here after "Authorize access". Public: the state is the credential. */
export function oauthRoutes(connections: ConnectionsService): Router {
  const router = Router();
  router.get(
    '/oauth/intercom/callback',
    route(async (req, res) => {
      const code = typeof req.query.code === 'string' ? req.query.code : '';
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      if (!code || !state) {
        res.status(400).json({ error: 'code and state are required' });
        return;
      }
      const { connectionId, workspaceId } = await connections.completeOAuth(code, state);
      if (req.accepts(['html', 'json']) === 'html') {
        res.redirect(303, `/setup/connections/${encodeURIComponent(connectionId)}`);
        return;
      }
      res.json({ connectionId, workspaceId });
    }),
  );
  return router;
}
