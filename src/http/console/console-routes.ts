/**
 * The web console's files, built by Vite into `dist/web`: `index.html` for `GET /` when a browser asks
 * (`Accept: text/html`; other clients keep Ollama's `Corral is running`) and for the console's client-side pages,
 * and `GET /assets/*` with content types and a year of caching (Vite puts a content hash in every asset name).
 * Asset paths are decoded once and refused when they could leave `assets/` (`..`, backslashes, NUL, empty
 * segments). Without a build, browsers get a page that says how to make one. `GET /api/console/features` tells
 * the console which of its pages this server backs. Mounted by the server and by the cluster gateway alike.
 */
import { Hono, type Context } from 'hono';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { getMimeType } from 'hono/utils/mime';
import { consolePages, type ConsoleFeatures } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import type { AppDeps } from '../app-deps.js';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Corral</title></head>
<body><h1>Corral is running</h1>
<p>The web console is not built. Run <code>npm run build</code> in the Corral source folder, then reload.</p>
</body></html>
`;

const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

/** The asset file under `dir` that `encoded` (the path after `/assets/`) names, or `undefined` when refused. */
export function assetPath(dir: string, encoded: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(encoded);
  } catch {
    return undefined; // malformed percent-encoding names no file
  }
  if (rel === '' || /[\\\0]/.test(rel)) return undefined;
  if (rel.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  const base = resolve(dir, 'assets');
  const file = resolve(base, rel);
  return file.startsWith(base + sep) ? file : undefined;
}

async function readRegularFile(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** What {@link consoleRoutes} needs. */
export type ConsoleRouteDeps = Pick<AppDeps, 'consoleDir'> & {
  /** The answer of `GET /api/console/features`: this server's role and the pages it backs. */
  features: ConsoleFeatures;
};

export function consoleRoutes({ consoleDir, features }: ConsoleRouteDeps): Hono {
  const app = new Hono();
  const notFound = (c: Context) => new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);

  const indexPage = async (c: Context) => {
    const html = consoleDir === undefined ? undefined : await readRegularFile(join(consoleDir, 'index.html'));
    c.header('cache-control', 'no-cache');
    return html === undefined
      ? c.html(NOT_BUILT)
      : c.body(html, 200, { 'content-type': 'text/html; charset=utf-8' });
  };

  // Liveness, as Ollama answers it, unless a browser asks (HEAD is served by GET handlers, body dropped).
  app.get('/', (c) => (wantsHtml(c) ? indexPage(c) : c.text('Corral is running')));
  for (const page of consolePages) {
    app.get(page, indexPage);
    app.get(`${page}/*`, indexPage);
  }

  app.get('/api/console/features', (c) => c.json(features));

  app.get('/assets/*', async (c) => {
    const encoded = new URL(c.req.url).pathname.slice('/assets/'.length);
    const path = consoleDir === undefined ? undefined : assetPath(consoleDir, encoded);
    const data = path === undefined ? undefined : await readRegularFile(path);
    if (path === undefined || data === undefined) throw notFound(c);
    return c.body(data, 200, {
      'content-type': getMimeType(path) ?? 'application/octet-stream',
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });

  return app;
}
