import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertHfModel } from '../../src/convert/index.js';
import { safetensorsBytes, writeHfModel } from '../fixtures/index.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('convert-errors'));
});
afterAll(async () => cleanup());

async function folder(options: Parameters<typeof writeHfModel>[1] = { arch: 'llama' }): Promise<string> {
  const path = join(dir, `m${n++}`);
  await writeHfModel(path, options);
  return path;
}

async function expectRefusal(path: string, message: RegExp | string): Promise<void> {
  const out = join(dir, `out${n++}.gguf`);
  await expect(convertHfModel(path, out)).rejects.toMatchObject({
    code: 'INVALID_MODEL_FOLDER',
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
  await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' }); // nothing left behind
}

async function editJson(path: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(path, JSON.stringify(json));
}

describe('convertHfModel refuses bad folders with INVALID_MODEL_FOLDER naming the problem', () => {
  it('an architecture it does not support, by name', async () => {
    const path = await folder();
    await editJson(join(path, 'config.json'), (c) => (c.architectures = ['GPTNeoXForCausalLM']));
    await expectRefusal(path, 'architecture GPTNeoXForCausalLM is not supported yet');
  });

  it('a missing config.json', async () => {
    const path = await folder();
    await rm(join(path, 'config.json'));
    await expectRefusal(path, /config\.json: missing/);
  });

  it('a truncated safetensors file', async () => {
    const path = await folder();
    const file = join(path, 'model.safetensors');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 100));
    await expectRefusal(path, /model\.safetensors: tensor '.+': data ends at byte \d+ .* truncated/);
  });

  it('a safetensors file cut inside its header', async () => {
    const path = await folder();
    const file = join(path, 'model.safetensors');
    await writeFile(file, (await readFile(file)).subarray(0, 50));
    await expectRefusal(path, 'truncated: the header needs');
  });

  it('an unknown dtype', async () => {
    const path = await folder();
    const data = new Uint8Array(16);
    await writeFile(
      join(path, 'model.safetensors'),
      safetensorsBytes([{ name: 'x', dtype: 'F12', shape: [4], data }]),
    );
    await expectRefusal(path, `unknown dtype "F12"`);
  });

  it('a dtype it cannot convert (I64) in a tensor it needs', async () => {
    const path = await folder();
    const data = new Uint8Array(64 * 8);
    await writeFile(
      join(path, 'model.safetensors'),
      safetensorsBytes([{ name: 'model.norm.weight', dtype: 'I64', shape: [64], data }]),
    );
    await expectRefusal(path, 'has dtype I64; only F32, F16, BF16 can be converted');
  });

  it('a shard named in the index but absent', async () => {
    const path = await folder({ arch: 'llama', shards: 2 });
    await rm(join(path, 'model-00002-of-00002.safetensors'));
    await expectRefusal(path, /model-00002-of-00002\.safetensors: missing shard/);
  });

  it('a tensor in the index that its shard lacks', async () => {
    const path = await folder({ arch: 'llama', shards: 2 });
    await editJson(join(path, 'model.safetensors.index.json'), (j) => {
      (j.weight_map as Record<string, string>)['model.layers.9.mlp.up_proj.weight'] =
        'model-00001-of-00002.safetensors';
    });
    await expectRefusal(
      path,
      "tensor 'model.layers.9.mlp.up_proj.weight' is in the shard index but not in the shard",
    );
  });

  it('a tensor it cannot map', async () => {
    const path = await folder();
    const file = join(path, 'model.safetensors');
    const bytes = await readFile(file);
    const n8 = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n8).toString()) as Record<string, unknown>;
    header['model.layers.0.mlp.experts.weight'] = header['model.norm.weight'];
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(json.length));
    await writeFile(file, Buffer.concat([head, Buffer.from(json), bytes.subarray(8 + n8)]));
    await expectRefusal(path, "cannot map tensor 'model.layers.0.mlp.experts.weight' to a llama GGUF tensor");
  });

  it('an unknown BPE pre-tokenizer', async () => {
    const path = await folder();
    await editJson(join(path, 'tokenizer.json'), (t) => {
      t.pre_tokenizer = {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: '\\d+' } },
          { type: 'ByteLevel', use_regex: false },
        ],
      };
    });
    await expectRefusal(path, 'unknown BPE pre-tokenizer (known: gpt-2, llama-bpe, qwen2)');
  });

  it('a tokenizer type it does not support yet (WordPiece)', async () => {
    const path = await folder();
    await editJson(
      join(path, 'tokenizer.json'),
      (t) => ((t.model as Record<string, unknown>).type = 'WordPiece'),
    );
    await expectRefusal(path, 'tokenizer model type "WordPiece" is not supported yet');
  });

  it('no tokenizer at all', async () => {
    const path = await folder();
    await rm(join(path, 'tokenizer.json'));
    await expectRefusal(path, 'no tokenizer');
  });

  it('a RoPE scaling type it does not know', async () => {
    const path = await folder({
      arch: 'llama',
      config: { rope_scaling: { rope_type: 'ntk-magic', factor: 2 } },
    });
    await expectRefusal(path, 'rope scaling type "ntk-magic" is not supported yet');
  });
});
