import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeGarbageGguf, writeTruncatedCopy, tinyModelPath } from '../../test/fixtures/index.js';
import { type AppError, isAppError, LayerMediaType } from '../core/index.js';
import { GgmlType, gguf, writeGguf } from '../gguf/index.js';
import { digestOf } from '../lib/index.js';
import { type CreateProgress, checkStoreConsistency, ModelStore, TEMP_PREFIX } from './index.js';

let dir: string;
let root: string;
let store: ModelStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-store-'));
  root = join(dir, 'models');
  store = await ModelStore.open(root);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every file under `root` with a hash of its content: to prove an operation touched nothing. */
async function tree(base: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(base, p)}/`] = 'dir';
        await walk(p);
      } else
        out[relative(base, p)] = createHash('sha256')
          .update(await readFile(p))
          .digest('hex');
    }
  };
  await walk(base);
  return out;
}

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(err), `expected AppError ${code}, got ${String(err)}`).toBe(true);
  expect((err as AppError).code).toBe(code);
  if (message) expect((err as AppError).message).toMatch(message);
  return err as AppError;
}

async function writeAdapter(path: string, type = 'adapter'): Promise<void> {
  await writeGguf(path, {
    metadata: {
      'general.architecture': gguf.str('llama'),
      'general.type': gguf.str(type),
      'adapter.type': gguf.str('lora'),
      'adapter.lora.alpha': gguf.f32(16),
    },
    tensors: [
      {
        name: 'blk.0.attn_q.weight.lora_a',
        type: GgmlType.F32,
        dims: [64, 4],
        data: new Uint8Array(64 * 4 * 4),
      },
    ],
  });
}

async function createTiny(name = 'tiny', extra = ''): Promise<CreateProgress[]> {
  const events: CreateProgress[] = [];
  const model = await tinyModelPath();
  await store.create(name, `FROM ${model}\n${extra}`, { baseDir: dir, onProgress: (p) => events.push(p) });
  return events;
}

describe('ModelStore: create, list, get, show, copy, delete', () => {
  it('creates a model from a tiny GGUF and lists, gets and shows it', async () => {
    const events = await createTiny(
      'tiny',
      'PARAMETER temperature 0.5\nPARAMETER stop <|im_end|>\nPARAMETER stop "</s>"\nSYSTEM """You are tiny."""\n' +
        'TEMPLATE {{ .Prompt }}\nLICENSE MIT\nMESSAGE user hi\nMESSAGE assistant hello',
    );
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe('parsing modelfile');
    expect(statuses.some((s) => /^copying file sha256:[0-9a-f]{64}$/.test(s))).toBe(true);
    expect(statuses.filter((s) => /^creating new layer sha256:/.test(s)).length).toBe(6);
    expect(statuses.slice(-2)).toEqual(['writing manifest', 'success']);
    const copying = events.filter((e) => e.status.startsWith('copying file')).at(-1);
    expect(copying?.completed).toBe(copying?.total);

    const list = await store.list();
    expect(list).toHaveLength(1);
    const [entry] = list;
    expect(entry?.name.display).toBe('tiny:latest');
    expect(entry?.name.toString()).toBe('registry.ollama.ai/library/tiny:latest');
    const manifestBytes = await readFile(join(root, 'manifests/registry.ollama.ai/library/tiny/latest'));
    expect(entry?.digest).toBe(digestOf(manifestBytes));
    expect(entry?.size).toBe(
      entry!.manifest.layers.reduce((s, l) => s + l.size, entry!.manifest.config.size),
    );
    expect(entry?.details).toEqual({
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      parameter_size: expect.stringMatching(/^\d+(\.\d+)?[KM]$/),
      quantization_level: 'F32',
    });
    expect(entry?.modifiedAt).toBeInstanceOf(Date);

    const model = await store.get('TINY:latest');
    expect(model?.name.display).toBe('tiny:latest');
    expect(model?.modelPath).toBe(store.blobPath(model!.modelDigest!));
    expect(await readFile(model!.modelPath!)).toEqual(await readFile(await tinyModelPath()));
    expect(model).toMatchObject({
      template: '{{ .Prompt }}',
      system: 'You are tiny.',
      parameters: { temperature: 0.5, stop: ['<|im_end|>', '</s>'] },
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      licenses: ['MIT'],
    });
    expect(model?.manifest.layers.map((l) => l.mediaType)).toEqual([
      LayerMediaType.model,
      LayerMediaType.template,
      LayerMediaType.system,
      LayerMediaType.params,
      LayerMediaType.license,
      LayerMediaType.messages,
    ]);
    expect(await store.get('other')).toBeUndefined();

    const show = await store.show('tiny');
    expect(show.modelfile).toBe(
      [
        '# Modelfile generated by "corral show"',
        '# To build a new Modelfile based on this, replace FROM with:',
        '# FROM tiny:latest',
        '',
        `FROM ${model!.modelPath!}`,
        'TEMPLATE "{{ .Prompt }}"'.replace('"{{ .Prompt }}"', '{{ .Prompt }}'),
        'SYSTEM You are tiny.',
        'PARAMETER stop <|im_end|>',
        'PARAMETER stop </s>',
        'PARAMETER temperature 0.5',
        'LICENSE MIT',
        'MESSAGE user hi',
        'MESSAGE assistant hello',
        '',
      ].join('\n'),
    );
    expect(show.parameters).toBe(
      [
        `${'stop'.padEnd(30)} "<|im_end|>"`,
        `${'stop'.padEnd(30)} "</s>"`,
        `${'temperature'.padEnd(30)} 0.5`,
      ].join('\n'),
    );
    expect(show.parameterValues).toEqual({ temperature: 0.5, stop: ['<|im_end|>', '</s>'] });
    expect(show).toMatchObject({ template: '{{ .Prompt }}', system: 'You are tiny.', license: 'MIT' });
    expect(show.details.format).toBe('gguf');
    expect(show.modelInfo).toMatchObject({
      'general.architecture': 'llama',
      'llama.context_length': 2048,
      'general.parameter_count': expect.any(Number),
    });
    expect(show.modelInfo).not.toHaveProperty('general.name');
    expect(show.modelInfo).not.toHaveProperty('tokenizer.chat_template');
    expect(show.modelInfo['tokenizer.ggml.tokens']).toHaveLength(512); // 512 tokens: within the 1024 limit
    expect((await checkStoreConsistency(root)).ok).toBe(true);
  });

  it('shows large arrays as null unless verbose, and falls back to the GGUF chat template', async () => {
    const big = await tinyModelPath({ vocabSize: 2000 });
    await store.create('big', `FROM ${big}`, { baseDir: dir });
    const show = await store.show('big');
    expect(show.modelInfo['tokenizer.ggml.tokens']).toBeNull();
    expect(show.template).toContain('<|im_start|>');
    expect((await store.show('big', { verbose: true })).modelInfo['tokenizer.ggml.tokens']).toHaveLength(
      2000,
    );
  });

  it('copies (same manifest digest) and deletes; the last reference frees the blobs', async () => {
    await createTiny('tiny');
    await store.copy('tiny', 'ns/copy:v1');
    const [a, b] = [await store.get('tiny'), await store.get('ns/copy:v1')];
    expect(b?.digest).toBe(a?.digest);
    expect((await store.list()).map((m) => m.name.display).sort()).toEqual(['ns/copy:v1', 'tiny:latest']);

    const first = await store.delete('tiny');
    expect(first.removedBlobs).toEqual([]);
    expect(first.freedBytes).toBe(0);
    for (const d of [a!.manifest.config.digest, ...a!.manifest.layers.map((l) => l.digest)])
      expect(await store.hasBlob(d)).toBe(true);
    expect(await store.get('tiny')).toBeUndefined();

    const second = await store.delete('ns/copy:v1');
    expect(new Set(second.removedBlobs)).toEqual(new Set([a!.manifest.config.digest, a!.modelDigest]));
    expect(second.freedBytes).toBe(b!.size);
    expect(await readdir(join(root, 'blobs'))).toEqual([]);
    expect(await readdir(join(root, 'manifests'))).toEqual([]);
    await rejects(store.delete('ns/copy:v1'), 'MODEL_NOT_FOUND', /model "ns\/copy:v1" not found/);
    await rejects(store.copy('nope', 'x'), 'MODEL_NOT_FOUND');
    await rejects(store.show('nope'), 'MODEL_NOT_FOUND');
  });

  it('keeps a blob shared by two models when one is deleted', async () => {
    await createTiny('one', 'SYSTEM a');
    await createTiny('two', 'SYSTEM b');
    const one = await store.get('one');
    const two = await store.get('two');
    expect(one?.modelDigest).toBe(two?.modelDigest);
    const result = await store.delete('one');
    // The system layer and config of `one` go; the shared GGUF stays.
    expect(result.removedBlobs).not.toContain(one!.modelDigest);
    expect(result.removedBlobs).toHaveLength(2);
    expect(await store.hasBlob(one!.modelDigest!)).toBe(true);
    expect((await store.get('two'))?.system).toBe('b');
    expect((await checkStoreConsistency(root)).ok).toBe(true);
  });

  it('creates FROM an existing model, inheriting layers and merging parameters', async () => {
    await createTiny(
      'base',
      'PARAMETER temperature 0.5\nPARAMETER top_k 10\nSYSTEM base system\nTEMPLATE base template',
    );
    const events: CreateProgress[] = [];
    await store.create('derived', 'FROM base\nPARAMETER temperature 0.9\nSYSTEM new system', {
      baseDir: dir,
      onProgress: (e) => events.push(e),
    });
    const base = await store.get('base');
    const derived = await store.get('derived');
    expect(derived).toMatchObject({
      modelDigest: base?.modelDigest,
      template: 'base template',
      system: 'new system',
      parameters: { temperature: 0.9, top_k: 10 },
    });
    expect(derived?.details.parent_model).toBe('base:latest');
    expect(derived?.details.family).toBe('llama');
    expect(events.some((e) => e.status === `using existing layer ${base!.modelDigest!}`)).toBe(true);
    expect((await store.show('derived')).modelfile).toContain(`FROM ${base!.modelPath!}`);
  });

  it('creates FROM a blob digest and with an ADAPTER', async () => {
    await createTiny('base');
    const base = await store.get('base');
    const adapter = join(dir, 'lora.gguf');
    await writeAdapter(adapter);
    await store.create('withlora', `FROM ${base!.modelDigest!}\nADAPTER ./lora.gguf`, { baseDir: dir });
    const m = await store.get('withlora');
    expect(m?.modelDigest).toBe(base?.modelDigest);
    expect(m?.adapterPaths).toHaveLength(1);
    expect(m?.manifest.layers.map((l) => l.mediaType)).toEqual([
      LayerMediaType.model,
      LayerMediaType.adapter,
    ]);
    expect((await store.show('withlora')).modelfile).toContain(`ADAPTER ${m!.adapterPaths[0]!}`);

    const notAdapter = join(dir, 'model-as-adapter.gguf');
    await writeAdapter(notAdapter, 'model');
    await rejects(
      store.create('bad', `FROM base\nADAPTER ${notAdapter}`, { baseDir: dir }),
      'INVALID_GGUF',
      /not a LoRA adapter/,
    );
    await rejects(
      store.create('bad', `FROM ${adapter}`, { baseDir: dir }),
      'INVALID_GGUF',
      /is a LoRA adapter/,
    );
    await rejects(store.create('bad', `FROM sha256:${'0'.repeat(64)}`, { baseDir: dir }), 'BLOB_NOT_FOUND');
  });

  it('resolves names case-insensitively and keeps the stored case', async () => {
    await createTiny('hf.co/Org/Model-GGUF:Q4_K_M');
    expect((await store.get('hf.co/org/model-gguf:q4_k_m'))?.name.display).toBe(
      'hf.co/Org/Model-GGUF:Q4_K_M',
    );
    await createTiny('HF.CO/ORG/MODEL-GGUF:Q4_K_M', 'SYSTEM replaced');
    const list = await store.list();
    expect(list.map((m) => m.name.display)).toEqual(['hf.co/Org/Model-GGUF:Q4_K_M']);
    expect((await store.get('hf.co/Org/Model-GGUF:Q4_K_M'))?.system).toBe('replaced');
    await store.delete('hf.co/org/model-gguf:Q4_K_M');
    expect(await store.list()).toEqual([]);
  });
});

describe('ModelStore: rejection leaves the store untouched', () => {
  const traversal = [
    '../../etc/passwd',
    '/abs/path',
    'a/../b',
    'C:\\x',
    'model:..',
    '..',
    'a/b/c/d',
    'x\u0000y',
    'modèle',
    '%2e%2e',
    ' ',
  ];

  it.each(traversal)('rejects name %j everywhere without touching files', async (bad) => {
    await createTiny('tiny');
    const before = await tree(dir);
    const model = await tinyModelPath();
    await rejects(
      store.create(bad, `FROM ${model}`, { baseDir: dir }),
      'INVALID_MODEL_NAME',
      /^invalid model name /,
    );
    await rejects(store.copy('tiny', bad), 'INVALID_MODEL_NAME');
    await rejects(store.copy(bad, 'x'), 'INVALID_MODEL_NAME');
    await rejects(store.delete(bad), 'INVALID_MODEL_NAME');
    await rejects(store.get(bad), 'INVALID_MODEL_NAME');
    await rejects(store.show(bad), 'INVALID_MODEL_NAME');
    expect(await tree(dir)).toEqual(before);
  });

  it('rejects garbage and truncated GGUF files and a missing file, writing nothing', async () => {
    const model = await tinyModelPath();
    const garbage = join(dir, 'garbage.gguf');
    const truncated = join(dir, 'truncated.gguf');
    const text = join(dir, 'notes.gguf');
    await writeGarbageGguf(garbage);
    await writeTruncatedCopy(model, truncated, 10_000);
    await writeFile(text, 'hello, not a model');
    await mkdir(join(dir, 'folder'));
    const before = await tree(dir);
    await rejects(store.create('x', 'FROM ./garbage.gguf', { baseDir: dir }), 'INVALID_GGUF');
    await rejects(store.create('x', 'FROM ./truncated.gguf', { baseDir: dir }), 'INVALID_GGUF', /truncated/);
    await rejects(store.create('x', `FROM ${text}`, { baseDir: dir }), 'INVALID_GGUF');
    await rejects(
      store.create('x', 'FROM ./missing.gguf', { baseDir: dir }),
      'FILE_NOT_FOUND',
      /missing\.gguf/,
    );
    await rejects(
      store.create('x', 'FROM ./folder', { baseDir: dir }),
      'FILE_NOT_FOUND',
      /not a regular file/,
    );
    await rejects(
      store.create('x', 'FROM llama3', { baseDir: dir }),
      'MODEL_NOT_FOUND',
      /no model named llama3:latest/,
    );
    await rejects(
      store.create('x', `FROM ${model}\nADAPTER ./garbage.gguf`, { baseDir: dir }),
      'INVALID_GGUF',
    );
    await rejects(
      store.create('x', `FROM ${model}\nPARAMETER nope 1`, { baseDir: dir }),
      'INVALID_MODELFILE',
      /line 2, column 11/,
    );
    expect(await tree(dir)).toEqual(before);
    expect((await checkStoreConsistency(root)).ok).toBe(true);
  });
});

describe('ModelStore: blobs', () => {
  it('imports blobs with digest verification and leaves nothing on mismatch', async () => {
    const data = new TextEncoder().encode('hello blob');
    const digest = digestOf(data);
    const wrong = digestOf('something else');
    await rejects(store.importBlob([data], wrong), 'DIGEST_MISMATCH', /expected sha256:/);
    expect(await readdir(join(root, 'blobs'))).toEqual([]);
    await rejects(store.importBlob([data], 'sha256:xyz'), 'INVALID_DIGEST');
    await rejects(store.importBlob([data], '../../etc/passwd'), 'INVALID_DIGEST');
    const result = await store.importBlob([data.subarray(0, 3), data.subarray(3)], digest);
    expect(result).toEqual({ digest, size: data.length, existed: false });
    expect(await store.hasBlob(digest)).toBe(true);
    expect(await readFile(store.blobPath(digest), 'utf8')).toBe('hello blob');
    expect(store.blobPath(digest.replace(':', '-'))).toBe(store.blobPath(digest));
    expect((await store.importBlob([data], digest)).existed).toBe(true);
    // A blob is garbage until a manifest references it.
    expect((await store.gc()).removedBlobs).toEqual([digest]);
  });

  it('detects a blob whose content no longer matches its name', async () => {
    await createTiny('tiny');
    const m = await store.get('tiny');
    await writeFile(m!.modelPath!, 'tampered');
    const report = await checkStoreConsistency(root);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind).sort()).toEqual(['corrupt-blob', 'size-mismatch']);
  });

  it('gc removes stale temp files and unreferenced blobs, and so does reopening', async () => {
    await createTiny('tiny');
    const stale = [
      join(root, 'blobs', `${TEMP_PREFIX}abc-blob`),
      join(root, 'manifests/registry.ollama.ai/library/tiny', `${TEMP_PREFIX}x-latest`),
    ];
    for (const p of stale) await writeFile(p, 'partial');
    const orphan = (await store.importBlob([new TextEncoder().encode('orphan')], digestOf('orphan'))).digest;
    expect((await checkStoreConsistency(root)).tempFiles.sort()).toEqual([...stale].sort());
    const result = await store.gc();
    expect(result.removedTempFiles.sort()).toEqual([...stale].sort());
    expect(result.removedBlobs).toEqual([orphan]);
    expect((await checkStoreConsistency(root)).tempFiles).toEqual([]);

    for (const p of stale) await writeFile(p, 'partial');
    const upload = join(root, 'tmp', 'upload-crashed'); // an upload folder left by a crash mid-conversion
    await mkdir(upload, { recursive: true });
    await writeFile(join(upload, 'config.json'), '{}');
    await store.close();
    store = await ModelStore.open(root);
    expect(await readdir(root)).not.toContain('tmp');
    const report = await checkStoreConsistency(root);
    expect(report).toMatchObject({ ok: true, tempFiles: [], manifests: 1 });
    expect(await store.get('tiny')).toBeDefined();
  });

  it('lists a corrupt manifest as a problem and skips it in list()', async () => {
    await createTiny('tiny');
    await mkdir(join(root, 'manifests/registry.ollama.ai/library/broken'), { recursive: true });
    await writeFile(join(root, 'manifests/registry.ollama.ai/library/broken/latest'), '{not json');
    expect((await store.list()).map((m) => m.name.display)).toEqual(['tiny:latest']);
    await rejects(store.get('broken'), 'STORE_CORRUPT', /not valid JSON/);
    const report = await checkStoreConsistency(root);
    expect(report.problems.map((p) => p.kind)).toEqual(['corrupt-manifest']);
    await store.delete('broken');
    expect((await checkStoreConsistency(root)).ok).toBe(true);
  });
});

describe('ModelStore: concurrency', () => {
  it('concurrent create and delete sharing a blob never lose it', async () => {
    const model = await tinyModelPath();
    for (let i = 0; i < 8; i++) {
      await store.create('a', `FROM ${model}\nSYSTEM a${i}`, { baseDir: dir });
      await Promise.all([
        store.delete('a'),
        store.create('b', `FROM ${model}\nSYSTEM b${i}`, { baseDir: dir }),
        store.gc(),
        store.copy('b', 'c').catch((err: unknown) => {
          if (!isAppError(err, 'MODEL_NOT_FOUND')) throw err; // b may not exist yet in the first round
        }),
      ]);
      const report = await checkStoreConsistency(root);
      expect(report.problems).toEqual([]);
      const b = await store.get('b');
      expect(await store.hasBlob(b!.modelDigest!)).toBe(true);
      expect(b?.system).toBe(`b${i}`);
    }
  });

  it('a write lease keeps gc away from blobs until its manifest is written', async () => {
    await createTiny('tiny');
    const tiny = await store.get('tiny');
    const lease = await store.beginWrite();
    const data = new TextEncoder().encode('{"model_format":"gguf"}');
    const config = await lease.putStream([data], digestOf(data));
    let gcDone = false;
    const gc = store.gc().then((r) => {
      gcDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(gcDone).toBe(false);
    const { parseModelName, buildManifest } = await import('../core/index.js');
    await lease.writeManifest(parseModelName('pulled'), buildManifest(config, tiny!.manifest.layers));
    lease.release();
    expect((await gc).removedBlobs).not.toContain(config.digest);
    expect((await store.get('pulled'))?.modelDigest).toBe(tiny?.modelDigest);
    await rejects(
      (async () => {
        await using l2 = await store.beginWrite();
        await l2.writeManifest(
          parseModelName('broken'),
          buildManifest(config, [{ mediaType: LayerMediaType.model, digest: digestOf('x'), size: 1 }]),
        );
      })(),
      'BLOB_NOT_FOUND',
    );
  });
});
