import { Router } from 'express';
import { tokenOf, workspaceOf } from '../context';
import type { SimulatorContext } from '../context';

export function identityRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  router.get('/me', (_req, res) => {
    res.json(workspaceOf(res).me());
  });
  /**
   * Disconnect from the integration's side: uninstalls the calling app and revokes its tokens. An OAuth
   * app's uninstall leaves the workspace's private-app tokens working (they belong to another app).
   */
  router.post('/auth/uninstall', (_req, res) => {
    const kind = ctx.tokens.lookup(tokenOf(res))?.kind;
    // Revocation happens synchronously inside uninstall(); the notification follows in the background.
    void ctx.uninstall(workspaceOf(res).appId, kind);
    res.status(200).json({});
  });
  return router;
}
