import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Router, type Response } from 'express';

/** The static files of the setup page; the same relative place under src/ and dist/src/ (the build copies them). */
const SETUP_DIR = path.join(__dirname, '../setup');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Every script and style sheet of the page, by its path under SETUP_DIR: nothing else is ever served. */
function listAssets(): Map<string, string> {
  const assets = new Map<string, string>();
  for (const entry of readdirSync(SETUP_DIR, { recursive: true, withFileTypes: true })) {
    const type = CONTENT_TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const relative = path.relative(SETUP_DIR, path.join(entry.parentPath, entry.name));
    assets.set(relative.split(path.sep).join('/'), type);
  }
  return assets;
}

/** Everything the page needs comes from us; it talks only to our own API. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.set({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // The page's URLs name connections; don't tell Intercom (or anyone we link to) which.
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
}

/**
 * The setup page (plain HTML + ES modules, no build step): `/setup` lists connections and creates new
 * ones, `/setup/connections/:id` walks one through onboarding and shows its status. The page is public;
 * it asks for the admin token and sends it on every admin API call. Intercom's OAuth callback lands on
 * `/setup/connections/:id`. Its forms are rendered from the admin API's OpenAPI document.
 */
export function setupRoutes(): Router {
  const router = Router();
  const assets = listAssets();
  const page = (_req: unknown, res: Response) => {
    secure(res);
    res.type('html').sendFile('index.html', { root: SETUP_DIR });
  };
  router.get('/setup', page);
  router.get('/setup/connections/:id', page);
  router.get('/setup/assets/*file', (req, res, next) => {
    const file = ([] as string[]).concat(req.params.file ?? []).join('/');
    const type = assets.get(file);
    if (!type) {
      next();
      return;
    }
    secure(res);
    res.type(type).sendFile(file, { root: SETUP_DIR });
  });
  return router;
}
