import { Router } from 'express';
import { workspaceOf } from '../context';
import type { SimulatorContext } from '../context';

export function identityRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  router.get('/me', (_req, res) => {
    res.json(workspaceOf(res).me());
  });
  /** Disconnect from the integration's side: uninstalls the app and revokes the token. */
  router.post('/auth/uninstall', (_req, res) => {
    // Revocation happens synchronously inside uninstall(); the notification follows in the background.
    void ctx.uninstall(workspaceOf(res).appId);
    res.status(200).json({});
  });
  return router;
}
