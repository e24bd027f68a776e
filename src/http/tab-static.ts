/**
 * The Teams tab's static files: `/tab/*`, built by `scripts/build-tab.js` into `dist/tab`, with their caching, the
 * Content-Security-Policy and the hosts allowed to frame them. Files need no sign-in (they hold no data); the data
 * comes from the JSON API (`workload-api.ts`), which checks every caller.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Request, Response, Server } from 'restify';
import { packageRoot } from '../package-root';

/** Where `scripts/build-tab.js` writes the tab by default. */
export const TAB_BUILD_DIR = join(packageRoot(), 'dist', 'tab');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** esbuild names bundles `<name>-<hash>.<ext>`: such a file never changes, so browsers may keep it for a year. */
const HASHED_ASSET = /-[A-Z0-9]{8}\.(js|css)$/;

/**
 * Hosts allowed to frame the tab (Teams' documented list: Teams, Microsoft 365, Outlook, and the
 * *.cloud.microsoft domains they are moving to). Anyone else framing it would be clickjacking.
 */
const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://outlook-sdf.office.com',
  'https://outlook-sdf.office365.com',
  'https://outlook.live.com',
  'https://*.skype.com',
];

/**
 * The pages load only our own bundle and styles and call only our own API. teams-js also fetches its list of
 * valid host origins from Microsoft's CDN (it falls back to a built-in list when it cannot).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https://res.cdn.office.net",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  `frame-ancestors ${FRAME_ANCESTORS.join(' ')}`,
].join('; ');

export interface TabStaticOptions {
  /** Folder of the built tab. @default TAB_BUILD_DIR */
  readonly root?: string;
}

/** Serves the tab's files under `/tab/`, and sends `/tab` and `/tab/` to its page. */
export function registerTabStatic(server: Server, options: TabStaticOptions = {}): void {
  const root = resolve(options.root ?? TAB_BUILD_DIR);

  const redirectToIndex = async (req: Request, res: Response) => {
    const query = req.getQuery();
    res.redirect(302, `/tab/index.html${query ? `?${query}` : ''}`, () => undefined);
  };
  server.get('/tab', redirectToIndex);
  server.get('/tab/', redirectToIndex);
  server.get('/tab/*', async (req: Request, res: Response) => {
    await serveTabFile(root, req, res);
  });
  server.head('/tab/*', async (req: Request, res: Response) => {
    await serveTabFile(root, req, res);
  });
}

/**
 * The file under `root` that a `/tab/<rest>` URL names, or undefined when the path is not one we serve: not
 * decodable, a dot segment (`..`, hidden files), a backslash or NUL, or an extension outside CONTENT_TYPES.
 * The resolved path is checked to stay inside `root` as well, whatever the checks above missed.
 */
export function tabFilePath(root: string, urlPath: string): string | undefined {
  const rest = urlPath.replace(/^\/tab\//, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (decoded === '' || /[\\\0]/.test(decoded)) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return undefined;
  if (!Object.hasOwn(CONTENT_TYPES, extname(decoded).toLowerCase())) return undefined;
  const base = resolve(root);
  const full = resolve(base, ...segments);
  return full.startsWith(base + sep) ? full : undefined;
}

async function serveTabFile(root: string, req: Request, res: Response): Promise<void> {
  const path = tabFilePath(root, req.getPath());
  const info = path ? await stat(path).catch(() => undefined) : undefined;
  if (!path || !info?.isFile()) {
    res.status(404);
    res.json({ error: { code: 'NotFound', message: 'No such file in the tab.' } });
    return;
  }
  const ext = extname(path).toLowerCase();
  // Same scheme as `serve-static`: size and modification time identify the version well enough.
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  res.header('Content-Type', CONTENT_TYPES[ext]);
  res.header('ETag', etag);
  res.header('X-Content-Type-Options', 'nosniff');
  res.header('Referrer-Policy', 'strict-origin-when-cross-origin');
  // The HTML pages name the hashed bundles, so they must be revalidated each time; the bundles never change.
  res.header('Cache-Control', HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (ext === '.html') res.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  if (req.header('If-None-Match') === etag) {
    res.status(304);
    res.end();
    return;
  }
  const body = req.method === 'HEAD' ? undefined : await readFile(path);
  res.header('Content-Length', info.size);
  res.writeHead(200);
  res.end(body);
}
