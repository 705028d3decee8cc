/**
 * `corral create --link`: a GGUF file is recorded in place (the blob is a link, nothing is copied), served like
 * any model, checked before each load (a touched but equal file passes, a changed one fails clearly), and
 * deleting the model removes the link, never the file.
 */
import { copyFileSync, existsSync, lstatSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let file: string;
beforeAll(async () => {
  s = await startTestServer();
  file = join(s.home, 'outside', 'model.gguf');
  await import('node:fs/promises').then((fs) => fs.mkdir(join(s.home, 'outside')));
  copyFileSync(await tinyModelPath({ eos: 'never' }), file);
  writeFileSync(join(s.home, 'outside', 'Modelfile'), 'FROM ./model.gguf\n');
});
afterAll(async () => {
  await s?.close();
});

const generate = (model: string) =>
  fetch(`${s.server.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model, prompt: 'hi', stream: false, keep_alive: 0, options: { num_predict: 2 } }),
  });

it('links a GGUF file in place, verifies it before each load, and never deletes it', async () => {
  const created = await runCorral(
    ['create', 'linked', '-f', join(s.home, 'outside', 'Modelfile'), '--link'],
    s.env,
  );
  expect(created.code).toBe(0);
  const { models } = (await (await fetch(`${s.server.url}/api/tags`)).json()) as {
    models: Array<{ name: string; details: { families: string[] } }>;
  };
  expect(models.map((m) => m.name)).toEqual(['linked:latest']);
  const show = (await (
    await fetch(`${s.server.url}/api/show`, { method: 'POST', body: '{"model":"linked"}' })
  ).json()) as {
    modelfile: string;
  };
  const digest = /FROM .*sha256-([0-9a-f]{64})/.exec(show.modelfile)?.[1];
  const blob = join(s.config.models, 'blobs', `sha256-${digest}`);
  expect(lstatSync(blob).isSymbolicLink()).toBe(true);
  expect(readlinkSync(blob)).toBe(file);

  expect((await generate('linked')).status).toBe(200);
  utimesSync(file, new Date(), new Date(Date.now() + 5000)); // touched, same bytes: re-hashed and accepted
  expect((await generate('linked')).status).toBe(200);

  copyFileSync(await tinyModelPath({ eos: 'never', seed: 7 }), file); // other weights under the same name
  const changed = await generate('linked');
  expect(changed.status).toBe(500);
  expect(((await changed.json()) as { error: string }).error).toMatch(
    /model\.gguf changed since it was linked/,
  );

  expect((await runCorral(['rm', 'linked'], s.env)).code).toBe(0);
  expect(existsSync(blob)).toBe(false);
  expect(existsSync(`${blob}.link`)).toBe(false);
  expect(existsSync(file)).toBe(true);
});
