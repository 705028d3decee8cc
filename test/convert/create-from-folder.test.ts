import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGguf, readGguf } from '../../src/gguf/index.js';
import { ModelStore, type CreateProgress } from '../../src/store/index.js';
import { writeHfModel } from '../fixtures/index.js';
import { greedy, loadModel, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: ModelStore;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('create-folder'));
  store = await ModelStore.open(join(dir, 'store'));
  await writeHfModel(join(dir, 'hf', 'tiny-qwen'), { arch: 'qwen2', dtype: 'F16' });
});
afterAll(async () => cleanup());

describe('create FROM a Hugging Face folder', () => {
  it('converts the folder (F16 by default), stores it, reports progress, leaves no temp file', async () => {
    const events: CreateProgress[] = [];
    await store.create('qwen-tiny', 'FROM ./tiny-qwen\nPARAMETER temperature 0\n', {
      baseDir: join(dir, 'hf'),
      onProgress: (p) => events.push(p),
    });
    const converting = events.filter((e) => e.status === 'converting model');
    expect(converting.length).toBeGreaterThan(1);
    const last = converting.at(-1)!;
    expect(last.completed).toBe(last.total);
    expect(last.total).toBeGreaterThan(0);
    expect(events.at(-1)?.status).toBe('success');
    const show = await store.show('qwen-tiny');
    expect(show.details).toMatchObject({ family: 'qwen2', quantization_level: 'F16' });
    expect((await readdir(join(dir, 'store', 'blobs'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('quantizes to Q8_0 when asked, and the model runs', async () => {
    await store.create('qwen-q8', 'FROM ./tiny-qwen\n', { baseDir: join(dir, 'hf'), quantize: 'q8_0' });
    const model = await store.get('qwen-q8');
    const path = model!.modelPath!;
    expect(describeGguf(await readGguf(path))).toMatchObject({ architecture: 'qwen2', fileType: 'Q8_0' });
    const m = await loadModel(path);
    try {
      expect((await greedy(m, 'Hello', 4)).tokens.length).toBeGreaterThan(0);
    } finally {
      await m.dispose();
    }
  });

  it('refuses an unknown quantize type, and quantize on a GGUF source, before writing anything', async () => {
    await expect(
      store.create('bad', 'FROM ./tiny-qwen\n', { baseDir: join(dir, 'hf'), quantize: 'q5_k_m' }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('q8_0') });
    const gguf = (await store.get('qwen-q8'))!.modelPath!;
    await expect(
      store.create('bad', `FROM ${gguf}\n`, { baseDir: dir, quantize: 'q8_0' }),
    ).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(await store.get('bad')).toBeUndefined();
  });

  it('names the problem when the folder cannot be converted', async () => {
    await writeHfModel(join(dir, 'hf', 'bert'), { arch: 'llama', config: { architectures: ['BertModel'] } });
    await expect(store.create('bert', 'FROM ./bert\n', { baseDir: join(dir, 'hf') })).rejects.toMatchObject({
      code: 'INVALID_MODEL_FOLDER',
      message: expect.stringContaining('architecture BertModel is not supported yet'),
    });
    expect((await readdir(join(dir, 'store', 'blobs'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('corral create from a Hugging Face folder', () => {
  it('converts on the server with -q, and the model serves and shows its quantization', async () => {
    const { startTestServer } = await import('../helpers/test-server.js');
    const { runCorral } = await import('../helpers/cli-io.js');
    const s = await startTestServer();
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'hf', 'Modelfile'), 'FROM ./tiny-qwen\n');
      const created = await runCorral(
        ['create', 'cli-q8', '-f', join(dir, 'hf', 'Modelfile'), '-q', 'q8_0'],
        s.env,
      );
      expect(created.code).toBe(0);
      const show = await runCorral(['show', 'cli-q8'], s.env);
      expect(show.stdout).toMatch(/qwen2/);
      expect(show.stdout).toMatch(/Q8_0/);
      const res = await fetch(`${s.server.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'cli-q8', prompt: 'hi', stream: false, options: { num_predict: 3 } }),
      });
      expect(res.status).toBe(200);
      const bad = await runCorral(
        ['create', 'cli-bad', '-f', join(dir, 'hf', 'Modelfile'), '-q', 'q3_k'],
        s.env,
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/quantize "q3_k" is not supported/);
    } finally {
      await s.close();
    }
  });
});
