/** `corral pull` and `corral push` against a real server and a local registry. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let registry: TestRegistry;
let digests: string[];

beforeAll(async () => {
  s = await startTestServer();
  registry = await startRegistry({ redirect: true });
  ({ digests } = await registry.addModel('cli/tiny:latest', [
    { mediaType: 'application/vnd.ollama.image.model', data: readFileSync(await tinyModelPath()) },
    { mediaType: 'application/vnd.ollama.image.system', data: 'cli' },
  ]));
});
afterAll(async () => {
  await s?.close();
  await registry?.close();
});

const corral = (...argv: string[]) => runCorral(argv, s.env);

describe('corral pull / push', () => {
  it('pulls with one finished bar per layer, then the model is listed', async () => {
    const r = await corral('pull', `${registry.host}/cli/tiny`, '--insecure');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('pulling manifest');
    for (const [i, d] of digests.entries()) {
      expect(lines[i + 1]).toMatch(
        new RegExp(`^pulling ${d.slice(7, 19)} 100% ▕█{20}▏ \\d+(\\.\\d)? (B|KB|MB)$`),
      );
    }
    expect(lines.slice(-3)).toEqual(['verifying sha256 digest', 'writing manifest', 'success']);
    expect((await corral('list')).stdout).toContain(`${registry.host}/cli/tiny:latest`);
  });

  it('pushes under another name', async () => {
    expect((await corral('cp', `${registry.host}/cli/tiny`, `${registry.host}/cli/copy:v2`)).code).toBe(0);
    const r = await corral('push', `${registry.host}/cli/copy:v2`, '--insecure');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^retrieving manifest\n(pushing [0-9a-f]{12} 100% .*\n)+pushing manifest\nsuccess\n$/,
    );
    expect(registry.manifestOf('cli/copy:v2')).toBeDefined();
  });

  it('reports errors and usage', async () => {
    const missing = await corral('pull', `${registry.host}/cli/none`, '--insecure');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: model ".*cli\/none:latest" not found in registry/);
    expect((await corral('pull')).code).toBe(2);
    expect((await corral('push', 'a', 'b')).code).toBe(2);
  });
});
