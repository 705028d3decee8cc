/**
 * HTTPS: with CORRAL_TLS_CERT/KEY the server speaks only TLS (plain HTTP on that port fails), clients that trust
 * the CA (the CLI through NODE_EXTRA_CA_CERTS) work, and SIGHUP swaps in a renewed certificate without a restart.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isAppError } from '../../src/core/index.js';
import { startServer } from '../../src/server.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { makeTestCa, type TestCa } from '../helpers/tls-certs.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function get(url: string, ca?: Buffer): Promise<{ status: number; serial: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: false }, (res) => {
      const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial, body }));
    });
    req.on('error', reject);
  });
}

describe('TLS', () => {
  let ca: TestCa;
  let server: ServerProcess;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    ca = makeTestCa();
    cert = join(ca.dir, 'server.pem');
    key = join(ca.dir, 'server.key');
    ca.issue(cert, key, 1);
    server = await spawnServer({
      CORRAL_TLS_CERT: cert,
      CORRAL_TLS_KEY: key,
      CORRAL_HOME: join(ca.dir, 'home'),
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  it('serves HTTPS to clients that trust the CA, and nothing over plain HTTP', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const caPem = readFileSync(ca.caCert);
    const res = await get(`${server.url}/api/version`, caPem);
    expect(res.status).toBe(200);
    expect(res.serial).toBe('01');
    await expect(get(`${server.url}/api/version`)).rejects.toThrow(/self.signed|unable to verify|issuer/i);
    const plain = new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${server.port}/api/version`, resolve).on('error', reject);
    });
    await expect(plain).rejects.toThrow();
  });

  it('lets the CLI talk HTTPS when the CA is trusted', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', MAIN, 'list'], {
      env: {
        ...process.env,
        CORRAL_HOST: `https://127.0.0.1:${server.port}`,
        NODE_EXTRA_CA_CERTS: ca.caCert,
      },
    });
    expect(stdout).toMatch(/^NAME\s+ID\s+SIZE\s+MODIFIED/);
  });

  it('reloads a renewed certificate on SIGHUP', async () => {
    ca.issue(cert, key, 2);
    server.child.kill('SIGHUP');
    await expect.poll(() => server.stderr(), { timeout: 10_000 }).toMatch(/TLS certificate reloaded/);
    const res = await get(`${server.url}/api/version`, readFileSync(ca.caCert));
    expect(res.serial).toBe('02');
  });
});

describe('TLS configuration', () => {
  it('needs both the certificate and the key', () => {
    expect(() => loadConfig({ env: { CORRAL_TLS_CERT: '/x.pem', CORRAL_HOME: '/tmp/corral-x' } })).toThrow(
      /CORRAL_TLS_CERT and CORRAL_TLS_KEY go together/,
    );
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const ca = makeTestCa();
    ca.issue(join(ca.dir, 'a.pem'), join(ca.dir, 'a.key'), 3);
    ca.issue(join(ca.dir, 'b.pem'), join(ca.dir, 'b.key'), 4);
    const config = loadConfig({
      env: {
        CORRAL_HOME: join(ca.dir, 'home'),
        CORRAL_HOST: '127.0.0.1:0',
        CORRAL_TLS_CERT: join(ca.dir, 'a.pem'),
        CORRAL_TLS_KEY: join(ca.dir, 'b.key'),
        CORRAL_LOG_LEVEL: 'silent',
      },
    });
    const error = await startServer(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/not a usable certificate and key/);
  });
});
