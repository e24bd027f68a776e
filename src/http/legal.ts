/**
 * GET /privacy and /terms: the pages the Teams manifest links as privacyUrl and termsOfUseUrl. Teams and the
 * admin center show those links; they answered 404 before. Plain pages shipped in the package (`pages/`), read
 * once at start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { packageRoot } from '../package-root';

const PAGES = { '/privacy': 'privacy.html', '/terms': 'terms.html' } as const;

export function registerLegalPages(server: Server): void {
  for (const [path, file] of Object.entries(PAGES)) {
    const body = readFileSync(join(packageRoot(), 'pages', file));
    server.get(path, (_req: Request, res: Response, next: () => void) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
      res.end(body);
      next();
    });
  }
}
