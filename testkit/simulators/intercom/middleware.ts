import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { errorList, IntercomApiError } from './api-error';
import type { AuthenticatedLocals, SimulatorContext } from './context';

/**
 * Versions Intercom's 2.16 spec enumerates, plus later 2.x and the Unstable/Preview channel.
 * Anything else gets 400 `intercom_version_invalid`, as the real API answers.
 */
const KNOWN_VERSION = /^(1\.[0-4]|2\.\d{1,2}|Unstable|Preview)$/;

/**
 * Without an `Intercom-Version` header Intercom applies the app's version from the Developer Hub; the
 * simulator's apps are on 2.14, the version our client pins (INTERCOM_API_VERSION).
 */
export const DEFAULT_API_VERSION = '2.14';

/** The API version a request is answered in (already checked by `authenticate`). */
export function apiVersion(req: Request): string {
  return req.get('Intercom-Version') ?? DEFAULT_API_VERSION;
}

/** `Authorization: Bearer <token>` on every REST endpoint. */
export function authenticate(ctx: SimulatorContext): RequestHandler {
  return (req, res, next) => {
    const version = req.get('Intercom-Version');
    ctx.versionsSeen.set(version ?? 'none', (ctx.versionsSeen.get(version ?? 'none') ?? 0) + 1);

    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('Authorization') ?? '');
    const record = match?.[1] ? ctx.tokens.lookup(match[1]) : undefined;
    if (!record) throw new IntercomApiError(401, 'unauthorized', 'Access Token Invalid');
    if (record.revokedAt !== null) throw new IntercomApiError(401, 'token_revoked', 'Token revoked');
    const workspace = ctx.findWorkspace(record.appId);
    if (!workspace) throw new IntercomApiError(401, 'token_not_found', 'Token not found');
    if (version !== undefined && !KNOWN_VERSION.test(version)) {
      throw new IntercomApiError(400, 'intercom_version_invalid', `Requested Intercom-Version ${version} is not valid`);
    }
    const locals: AuthenticatedLocals = { workspace, token: record.token };
    Object.assign(res.locals, locals);
    next();
  };
}

/** Per-workspace 10-second windows; every authenticated answer carries the X-RateLimit-* headers. */
export function rateLimit(ctx: SimulatorContext): RequestHandler {
  return (_req, res, next) => {
    const { workspace } = res.locals as AuthenticatedLocals;
    const decision = ctx.limiter.take(workspace.appId);
    res.set({
      'X-RateLimit-Limit': String(decision.limit),
      'X-RateLimit-Remaining': String(decision.remaining),
      'X-RateLimit-Reset': String(decision.resetAt),
    });
    if (!decision.allowed) throw new IntercomApiError(429, 'rate_limit_exceeded', 'Exceeded rate limit');
    next();
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new IntercomApiError(404, 'not_found', `Resource Not Found: ${req.method} ${req.path}`));
};

/** Every failure leaves as Intercom's error.list (or the endpoint's own error shape). */
export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof IntercomApiError) {
    res.status(err.status).json(err.toBody());
    return;
  }
  const parseError = err as { type?: string; status?: number };
  if (parseError.type === 'entity.parse.failed') {
    res.status(400).json(errorList('parameter_invalid', 'Request body is not valid JSON'));
    return;
  }
  if (parseError.status === 413) {
    res.status(413).json(errorList('request_too_large', 'Request body is too large'));
    return;
  }
  res.status(500).json(errorList('server_error', err instanceof Error ? err.message : 'Server Error'));
};
