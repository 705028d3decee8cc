import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tinyModelPath } from '../../test/fixtures/index.js';
import { type AppError, estimateMemory, isAppError } from '../core/index.js';
import { readGguf } from '../gguf/index.js';
import { vocabularyMismatch, vocabularyOf } from './draft-model.js';
import { ModelStore, StoreModelCatalog } from './index.js';

let dir: string;
let store: ModelStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-draft-'));
  store = await ModelStore.open(join(dir, 'models'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(err), `expected an AppError, got ${String(err)}`).toBe(true);
  return err as AppError;
}

const TARGET = { nLayer: 4, inertLayersFrom: 2 } as const;

describe('draft models (PARAMETER draft_model)', () => {
  it('are resolved with the model: path, confidence, and memory facts for the estimate', async () => {
    await store.create('tiny-draft', `FROM ${await tinyModelPath()}`, { baseDir: dir });
    await store.create(
      'tiny-target',
      `FROM ${await tinyModelPath(TARGET)}\nPARAMETER draft_model tiny-draft\nPARAMETER draft_p_min 0.25`,
      { baseDir: dir },
    );
    const catalog = new StoreModelCatalog(store);
    const target = await catalog.resolve('tiny-target');
    const draft = await catalog.resolve('tiny-draft');
    expect(target?.draft).toEqual({ modelPath: draft?.modelPath, minConfidence: 0.25 });
    expect(target?.memory.draft).toEqual(draft?.memory);
    expect(draft?.draft).toBeUndefined();
    const at = { contextSize: 2048, parallel: 2 };
    const { draft: _, ...alone } = target!.memory;
    expect(estimateMemory({ ...target!.memory, ...at })).toBeGreaterThan(
      estimateMemory({ ...alone, ...at }) + draft!.memory.weightsBytes,
    );
    // A model derived from it keeps the draft; the default confidence is node-llama-cpp's.
    await store.create('derived', 'FROM tiny-target\nPARAMETER draft_p_min 0.5', { baseDir: dir });
    expect((await catalog.resolve('derived'))?.draft?.minConfidence).toBe(0.5);
    await store.create(
      'plain-draft',
      `FROM ${await tinyModelPath(TARGET)}\nPARAMETER draft_model tiny-draft`,
      {
        baseDir: dir,
      },
    );
    expect((await catalog.resolve('plain-draft'))?.draft?.minConfidence).toBe(0.6);
  });

  it('refuse a draft that does not exist, at create and (once deleted) at resolve', async () => {
    const model = await tinyModelPath(TARGET);
    const err = await failure(
      store.create('target', `FROM ${model}\nPARAMETER draft_model nowhere`, { baseDir: dir }),
    );
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toMatch(/draft model nowhere \(PARAMETER draft_model of target:latest\) not found/);
    expect(await store.get('target')).toBeUndefined();

    await store.create('gone', `FROM ${await tinyModelPath()}`, { baseDir: dir });
    await store.create('target', `FROM ${model}\nPARAMETER draft_model gone`, { baseDir: dir });
    await store.delete('gone');
    const resolved = await failure(new StoreModelCatalog(store).resolve('target'));
    expect(resolved.code).toBe('MODEL_NOT_FOUND');
    expect(resolved.message).toMatch(/draft model gone/);
  });

  it('refuse a draft with another vocabulary at create, naming both sizes', async () => {
    await store.create('big-vocab', `FROM ${await tinyModelPath({ vocabSize: 600 })}`, { baseDir: dir });
    const err = await failure(
      store.create('target', `FROM ${await tinyModelPath(TARGET)}\nPARAMETER draft_model big-vocab`, {
        baseDir: dir,
      }),
    );
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.message).toBe(
      "draft model big-vocab:latest cannot draft for target:latest: its vocabulary has 600 tokens, the model's has 512 (a draft model must use the same tokenizer)",
    );
    expect(await store.get('target')).toBeUndefined();
    const bad = await failure(
      store.create('target', `FROM ${await tinyModelPath(TARGET)}\nPARAMETER draft_p_min 2`, {
        baseDir: dir,
      }),
    );
    expect(bad.message).toMatch(/draft_p_min must be a number from 0 to 1/);
  });

  it('compare tokenizer type, size, token texts and special tokens', async () => {
    const base = vocabularyOf(await readGguf(await tinyModelPath()));
    expect(
      vocabularyMismatch(base, vocabularyOf(await readGguf(await tinyModelPath(TARGET)))),
    ).toBeUndefined();
    expect(vocabularyMismatch(base, { ...base, model: 'llama' })).toMatch(/tokenizer type is "llama"/);
    expect(vocabularyMismatch(base, { ...base, digest: 'x' })).toBe('its vocabulary has different tokens');
    expect(vocabularyMismatch(base, { ...base, eos: 0 })).toMatch(/BOS\/EOS tokens/);
  });
});
