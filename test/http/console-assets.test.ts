/**
 * The built console's files: `GET /` answers Ollama's liveness text unless a browser asks for HTML, client-side
 * pages serve `index.html`, `/assets/*` serves files with their type and a long cache, nothing outside `assets/`
 * can be reached, and without a build browsers get a page that says to build it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetPath } from '../../src/http/console/console-routes.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const INDEX = '<!doctype html><title>Corral console</title><div id="app"></div>';
let dir: string;
let built: TestApp;
let bare: TestApp;
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corral-web-'));
  mkdirSync(join(dir, 'assets', 'fonts'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-4f2a9c.js'), 'console.log("hi")');
  writeFileSync(join(dir, 'assets', 'index-77ab01.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'fonts', 'inter-1a2b.woff2'), 'woff2');
  writeFileSync(join(dir, 'secret.txt'), 'outside assets');
  built = await createTestApp({ consoleDir: dir });
  bare = await createTestApp({ consoleDir: join(dir, 'missing') });
});
afterAll(async () => {
  await built?.close();
  await bare?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console assets', () => {
  it("answers Ollama's liveness text to non-browsers and index.html to browsers", async () => {
    expect(await (await built.app.request('/')).text()).toBe('Corral is running');
    expect(await (await built.app.request('/', { headers: { accept: '*/*' } })).text()).toBe(
      'Corral is running',
    );
    const res = await built.app.request('/', { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
    const head = await built.app.request('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it.each([
    '/cluster',
    '/models',
    '/downloads',
    '/running',
    '/profiles',
    '/playground',
    '/system',
    '/logs',
    '/keys',
    '/users',
    '/audit',
    '/finetune',
    '/login',
    '/models/tiny:latest',
  ])('serves index.html for the client-side page %s', async (path) => {
    const res = await built.app.request(path, { headers: html });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
  });

  it('serves assets with their content type and a long cache', async () => {
    for (const [path, type] of [
      ['/assets/index-4f2a9c.js', 'text/javascript'],
      ['/assets/index-77ab01.css', 'text/css'],
      ['/assets/fonts/inter-1a2b.woff2', 'font/woff2'],
    ] as const) {
      const res = await built.app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await built.app.request('/assets/index-4f2a9c.js')).text()).toBe('console.log("hi")');
    expect((await built.app.request('/assets/nope.js')).status).toBe(404);
    expect((await built.app.request('/assets/fonts')).status).toBe(404); // a directory is no file
  });

  it.each([
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%2fsecret.txt',
    '/assets/%2e%2e/secret.txt',
    '/assets/fonts%2f..%2f..%2fsecret.txt',
    '/assets/..%5csecret.txt',
    '/assets/%2fetc%2fpasswd',
    '/assets/index-4f2a9c.js%00.png',
    '/assets/%E0%A4%A',
    '/assets/../secret.txt',
  ])('refuses the traversal attempt %s', async (path) => {
    const res = await built.app.request(path);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('outside assets');
  });

  it('resolves asset paths only inside assets/', () => {
    expect(assetPath('/srv/web', 'a.js')).toBe('/srv/web/assets/a.js');
    expect(assetPath('/srv/web', 'fonts/a.woff2')).toBe('/srv/web/assets/fonts/a.woff2');
    for (const bad of ['', '..%2fx', '%2e%2e%2fx', 'a//b', './a', 'a%5cb', '%00', '%2Fetc']) {
      expect(assetPath('/srv/web', bad)).toBeUndefined();
    }
  });

  it('tells browsers to build the console when dist/web is missing, and keeps the liveness text', async () => {
    const res = await bare.app.request('/', { headers: html });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build');
    expect(await (await bare.app.request('/')).text()).toBe('Corral is running');
    expect(await (await bare.app.request('/profiles', { headers: html })).text()).toContain('npm run build');
    expect((await bare.app.request('/assets/index-4f2a9c.js')).status).toBe(404);
  });
});
