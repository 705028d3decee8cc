/**
 * A real cluster gateway (`startGateway`, in-process, auth off on loopback) over a fresh test PostgreSQL database,
 * shaped like a `TestApp` whose `app.request` goes over HTTP: the fuzz suite sends it the same hostile requests
 * as the server's app. Without PostgreSQL it says why it is skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../src/cluster/index.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { testDatabases } from './test-databases.js';

export interface GatewayFuzzTarget {
  /** Set when there is no gateway to fuzz (no test PostgreSQL). */
  skipped?: string;
  target: { app: { request: (path: string, init: RequestInit) => Promise<Response> } };
  close(): Promise<void>;
}

export async function gatewayFuzzTarget(): Promise<GatewayFuzzTarget> {
  const postgres = testDatabases.find((d) => d.kind === 'postgres')!;
  const unavailable = {
    skipped: 'no test PostgreSQL (CORRAL_TEST_POSTGRES_URL): the gateway needs one',
    target: { app: { request: () => Promise.reject(new Error('no gateway')) } },
    close: () => Promise.resolve(),
  };
  if (!postgres.available) return unavailable;
  const opened = await postgres.open();
  const home = mkdtempSync(join(tmpdir(), 'corral-fuzz-gateway-'));
  const config = loadConfig({
    env: {
      CORRAL_DATABASE_URL: opened.options.url,
      CORRAL_HOST: '127.0.0.1:0',
      CORRAL_HOME: home,
      CORRAL_AUTH: 'off',
    },
  });
  const gateway = await startGateway(config, silentLogger, 'fuzz');
  return {
    target: {
      app: { request: (path, init) => send(`${gateway.url}${path}`, init) },
    },
    async close() {
      await gateway.close();
      await opened.cleanup();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * One request over `node:http`, answered as a `Response`. Unlike `fetch`, an answer that comes before the whole
 * body was sent (a route that never reads its body answers at once, then the connection closes) is the answer, as
 * it is for any HTTP client that reads while it writes; `fetch` would fail the upload instead.
 */
function send(url: string, init: RequestInit): Promise<Response> {
  const body =
    init.body === undefined || init.body === null ? undefined : Buffer.from(init.body as string | Uint8Array);
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(url, {
      method: init.method,
      headers: {
        ...(init.headers as Record<string, string>),
        ...(body === undefined ? {} : { 'content-length': String(body.length) }),
      },
      signal: init.signal ?? undefined,
      agent: false, // a connection per request: one closed after an early answer is never reused
    });
    let answered = false;
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        const status = res.statusCode ?? 502;
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
      });
    });
    req.once('error', (err) => {
      if (answered) return; // answered already: the upload's own end does not matter
      reject(err);
    });
    req.end(body);
  });
}
