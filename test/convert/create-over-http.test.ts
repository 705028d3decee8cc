/**
 * Hugging Face folders over HTTP (Ollama's create `files` / `adapters` maps): `corral create` uploads the folder's
 * files as blobs, so an operator (who may not name server files) creates a model from an HF folder and a PEFT
 * adapter on a server with auth on; the server converts from a temporary folder of links it removes afterwards.
 */
import { writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src/store/index.js';
import { writeHfModel, writePeftAdapter } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let s: TestServer;
let operator: Record<string, string>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('create-http'));
  const base = await writeHfModel(join(dir, 'tiny-llama'), { arch: 'llama' });
  await writePeftAdapter(join(dir, 'lora'), { arch: 'llama', base });
  s = await startTestServer({ CORRAL_AUTH: 'on' });
  const admin = await runCorral(['admin', 'create', 'root'], s.env, undefined, 'a-long-password\n');
  expect(admin.code).toBe(0);
  const key = await runCorral(['keys', 'create', 'op', '--role', 'operator'], s.env);
  expect(key.code).toBe(0);
  operator = { ...s.env, CORRAL_API_KEY: key.stdout.trim() };
});
afterAll(async () => {
  await s?.close();
  await cleanup();
});

describe('create from Hugging Face folders over HTTP', () => {
  it('uploads an HF model folder and a PEFT adapter as an operator; the model serves', async () => {
    writeFileSync(join(dir, 'Modelfile'), 'FROM ./tiny-llama\nADAPTER ./lora\nPARAMETER temperature 0\n');
    // Naming server paths needs the admin role: --link sends the folder's path instead of its files.
    const linked = await runCorral(['create', 'linked', '-f', join(dir, 'Modelfile'), '--link'], operator);
    expect(linked.code).toBe(1);
    expect(linked.stderr).toMatch(/admin role/);

    const created = await runCorral(['create', 'tiny-http', '-f', join(dir, 'Modelfile')], operator);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const show = await runCorral(['show', 'tiny-http', '--modelfile'], operator);
    expect(show.stdout).toMatch(/^ADAPTER /m);
    const res = await fetch(`${s.server.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator.CORRAL_API_KEY}` },
      body: JSON.stringify({ model: 'tiny-http', prompt: 'hi', stream: false, options: { num_predict: 3 } }),
    });
    expect(res.status).toBe(200);
    expect(await readdir(join(s.config.models, 'tmp'))).toEqual([]);
  });

  it('refuses a files map naming anything but a plain file name (400), and a missing blob (404)', async () => {
    const { digest } = await hashFile(join(dir, 'tiny-llama', 'config.json'));
    const create = (files: Record<string, string>) =>
      fetch(`${s.server.url}/api/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator.CORRAL_API_KEY}` },
        body: JSON.stringify({ model: 'evil', files, stream: false }),
      });
    for (const name of ['../x', '/etc/passwd', 'a/config.json', '.hidden']) {
      const res = await create({ 'config.json': digest, [name]: digest });
      expect(res.status, name).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/not a plain file name/);
    }
    const missing = await create({ 'config.json': `sha256:${'0'.repeat(64)}` });
    expect(missing.status).toBe(404);
    const noConfig = await create({ 'model.safetensors': digest });
    expect(noConfig.status).toBe(400);
    expect(((await noConfig.json()) as { error: string }).error).toMatch(/config\.json is missing/);
  });
});
