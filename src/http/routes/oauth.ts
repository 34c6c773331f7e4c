import { Router, type Request, type Response } from 'express';
import { UserError, type ConnectionsService } from '../../connections/service';

/** Intercom redirects the browser here after "Authorize access". Public: the state is the credential. */
export function oauthRoutes(connections: ConnectionsService): Router {
  const router = Router();
  router.get('/oauth/intercom/callback', async (req, res, next) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (!code || !state) return fail(req, res, 400, 'code and state are required');
    try {
      const { connectionId, workspaceId } = await connections.completeOAuth(code, state);
      if (wantsHtml(req)) return res.redirect(303, `/setup/connections/${encodeURIComponent(connectionId)}`);
      res.json({ connectionId, workspaceId });
    } catch (err) {
      if (err instanceof UserError) return fail(req, res, err.status, err.message);
      next(err);
    }
  });
  return router;
}

const wantsHtml = (req: Request) => req.accepts(['html', 'json']) === 'html';

/** A browser gets a readable page with a way back; API clients get JSON. */
function fail(req: Request, res: Response, status: number, message: string): void {
  if (!wantsHtml(req)) {
    res.status(status).json({ error: message });
    return;
  }
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><title>Intercom authorization failed</title>` +
        `<body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>Intercom authorization failed</h1>` +
        `<p>${escaped}</p><p><a href="/setup">Back to the setup page</a></p></body>`,
    );
}
