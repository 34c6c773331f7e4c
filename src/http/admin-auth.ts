import type { RequestHandler } from 'express';
import { safeEqual } from '../crypto/secrets';

/** Bearer-token guard for the admin API; the token is compared in constant time. Off (503) when no token is configured. */
export function requireAdminToken(token: string | undefined): RequestHandler {
  if (!token)
    return (_req, res) => {
      res.status(503).json({ error: 'the admin API is disabled: set ADMIN_TOKEN' });
    };
  return requireBearer(token);
}

/** /metrics: open when METRICS_TOKEN is unset, else only to its bearer. */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  return token ? requireBearer(token) : (_req, _res, next) => next();
}

/** Lets through only requests carrying `Authorization: Bearer <token>`; others get a 401 asking for it. */
function requireBearer(token: string): RequestHandler {
  return (req, res, next) => {
    if (!bearerMatches(req.get('authorization'), token)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'missing or invalid bearer token' });
      return;
    }
    next();
  };
}

/** Whether an Authorization header carries `Bearer <token>`, compared in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return given !== '' && safeEqual(given, token);
}
