/**
 * `POST /api/pull` of `hf.co/<user>/<repo>[:<quant>]` against a local Hugging Face look-alike: file selection by
 * quantization, token handling (never sent to the CDN), resumable download, and an imported model that chats
 * with the GGUF's own template.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE, tinyModelPath } from '../fixtures/index.js';
import { startHuggingFace, type TestHuggingFace } from '../helpers/hf-server.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let hf: TestHuggingFace;
let digests: Record<string, string>;
let q4: Buffer;

type Line = { status: string; digest?: string; total?: number; completed?: number; error?: string };
const pull = async (model: string) => {
  const res = await t.json('POST', '/api/pull', { model });
  return (await res.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
};
const pullOnce = async (model: string) => {
  const res = await t.json('POST', '/api/pull', { model, stream: false });
  return { status: res.status, body: (await res.json()) as { status?: string; error?: string } };
};

beforeAll(async () => {
  hf = await startHuggingFace({ token: 'hf_secret' });
  q4 = readFileSync(await tinyModelPath({ eos: 'never', seed: 4 }));
  digests = await hf.addRepo('acme/Tiny-GGUF', [
    { name: 'README.md', data: '# Tiny' },
    { name: 'tiny-Q8_0.gguf', data: { path: await tinyModelPath({ seed: 8 }) } },
    { name: 'tiny-Q4_K_M.gguf', data: q4 },
    { name: 'mmproj-tiny-Q4_K_M.gguf', data: 'not a model' },
    { name: 'tiny-Q2_K-00001-of-00002.gguf', data: 'shard one' },
    { name: 'tiny-Q2_K-00002-of-00002.gguf', data: 'shard two' },
  ]);
  t = await createTestApp({ env: { CORRAL_HF_ENDPOINT: hf.url, HF_TOKEN: 'hf_secret' } });
});
afterAll(async () => {
  await t?.close();
  await hf?.close();
});

describe('pulling from Hugging Face', () => {
  it('picks Q4_K_M by default, verifies it, imports it, and chats with the GGUF template', async () => {
    const digest = digests['tiny-Q4_K_M.gguf']!;
    const lines = await pull('hf.co/acme/Tiny-GGUF');
    expect([...new Set(lines.map((l) => l.status))]).toEqual([
      'pulling manifest',
      `pulling ${digest.slice(7, 19)}`,
      'verifying sha256 digest',
      'writing manifest',
      'success',
    ]);
    expect(lines.filter((l) => l.digest === digest).at(-1)).toMatchObject({
      total: q4.length,
      completed: q4.length,
    });
    expect(hf.cdnAuthorizations).toEqual([]); // the token stays with the Hub's own origin

    const show = (await (await t.json('POST', '/api/show', { model: 'hf.co/acme/Tiny-GGUF' })).json()) as {
      template: string;
      details: { family: string; format: string };
    };
    expect(show.template).toBe(CHATML_TEMPLATE);
    expect(show.details).toMatchObject({ family: 'llama', format: 'gguf' });

    const chat = await t.json('POST', '/api/chat', {
      model: 'hf.co/acme/Tiny-GGUF',
      messages: [{ role: 'user', content: 'hello' }],
      stream: false,
      options: { num_predict: 2 },
    });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { done: boolean }).done).toBe(true);
  });

  it('picks the file of an explicit tag, case-insensitively, and resumes a cut download', async () => {
    const digest = digests['tiny-Q8_0.gguf']!;
    hf.setFault(digest.slice(7), { disconnectAfter: 20_000 });
    const before = hf.bytesServed();
    const lines = await pull('hf.co/acme/Tiny-GGUF:q8_0');
    expect(lines.at(-1)).toEqual({ status: 'success' });
    expect(lines.some((l) => l.digest === digest)).toBe(true);
    const size = readFileSync(await tinyModelPath({ seed: 8 })).length;
    expect(hf.bytesServed() - before).toBeLessThan(size + 64 * 1024);
  });

  it('says which quantizations exist when the tag matches none, and refuses split files', async () => {
    const missing = await pullOnce('hf.co/acme/Tiny-GGUF:Q5_K_M');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/has no Q5_K_M GGUF \(it has: Q2_K \(split\), Q4_K_M, Q8_0\)/);
    const split = await pullOnce('hf.co/acme/Tiny-GGUF:Q2_K');
    expect(split.status).toBe(400);
    expect(split.body.error).toMatch(/split into several files/);
  });

  it('reports a missing repository and a refused token', async () => {
    const missing = await pullOnce('hf.co/acme/Nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/repository acme\/Nothing not found/);

    const other = await createTestApp({ env: { CORRAL_HF_ENDPOINT: hf.url, CORRAL_HF_TOKEN: 'wrong' } });
    try {
      const res = await other.json('POST', '/api/pull', { model: 'hf.co/acme/Tiny-GGUF', stream: false });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/gated or private; set HF_TOKEN/);
    } finally {
      await other.close();
    }
  });
});
