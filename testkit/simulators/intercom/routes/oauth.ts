import express, { Router } from 'express';
import { errorList, IntercomApiError } from '../api-error';
import type { SimulatorContext } from '../context';
import { queryString } from './params';

/**
 * `GET /oauth` stands in for Intercom's consent screen (app.intercom.com) with the admin already
 * clicking "Authorize": it installs the app in a workspace and redirects back with `code` and
 * `state`. Pick the workspace with `?workspace=<appId>`, else the simulator's OAuth default.
 */
export function consentRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  router.get('/oauth', (req, res) => {
    const reject = (message: string) => res.status(400).json(errorList('parameter_invalid', message));
    if (queryString(req, 'client_id') !== ctx.clientId) return reject('Unknown client_id');

    const requested = queryString(req, 'redirect_uri');
    const redirectUri = requested ?? ctx.redirectUris[0];
    if (!redirectUri) return reject('redirect_uri is required');
    if (ctx.redirectUris.length > 0 && !ctx.redirectUris.includes(redirectUri)) {
      return reject('redirect_uri is not one of the app’s redirect URLs');
    }
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      return reject('redirect_uri is not a valid URL');
    }

    const named = queryString(req, 'workspace');
    const workspace = named !== undefined ? ctx.findWorkspace(named) : ctx.consentWorkspace();
    if (!workspace) return reject(`Unknown workspace ${named}`);
    workspace.installed = true;
    workspace.uninstalledAt = null;

    target.searchParams.set('code', ctx.codes.issue(workspace.appId));
    const state = queryString(req, 'state');
    if (state !== undefined) target.searchParams.set('state', state);
    res.redirect(302, target.toString());
  });
  return router;
}

/** `POST /auth/eagle/token`: code + client credentials (JSON or form) for a never-expiring token. */
export function tokenExchangeRoutes(ctx: SimulatorContext): Router {
  const router = Router();
  router.post('/auth/eagle/token', express.json(), express.urlencoded({ extended: false }), (req, res) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    if (body.client_id !== ctx.clientId || body.client_secret !== ctx.clientSecret) {
      throw new IntercomApiError(401, 'unauthorized', 'Unauthorized');
    }
    const appId = ctx.codes.redeem(body.code);
    const token = ctx.tokens.issue(appId, 'oauth');
    res.json({ token_type: 'Bearer', token, access_token: token });
  });
  return router;
}
