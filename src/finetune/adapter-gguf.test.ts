import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgmlType, readGguf } from '../gguf/index.js';
import { tinyModelPath, writeSafetensors, type SafetensorsEntry } from '../../test/fixtures/index.js';
import { writeAdapterGguf } from './adapter-gguf.js';

let dir: string;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-adapter-gguf-'));
  base = await tinyModelPath(); // n_embd 64, 2 KV heads of 16 (k/v out 32), n_ff 128
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function matrix(name: string, rows: number, cols: number): SafetensorsEntry {
  const values = Float32Array.from({ length: rows * cols }, (_, i) => i / 1000 - 0.5);
  return { name, dtype: 'F32', shape: [rows, cols], data: new Uint8Array(values.buffer) };
}

/** A rank-4 adapter of blk.1.attn_k (64 → 32) and blk.0.ffn_down (128 → 64), out of block order. */
const GOOD = [
  matrix('blk.1.attn_k.weight.lora_a', 4, 64),
  matrix('blk.1.attn_k.weight.lora_b', 32, 4),
  matrix('blk.0.ffn_down.weight.lora_a', 4, 128),
  matrix('blk.0.ffn_down.weight.lora_b', 64, 4),
];

async function convert(name: string, tensors: SafetensorsEntry[]) {
  const safetensorsPath = join(dir, `${name}.safetensors`);
  await writeSafetensors(safetensorsPath, tensors);
  const outPath = join(dir, `${name}.gguf`);
  const result = await writeAdapterGguf({ safetensorsPath, baseGgufPath: base, outPath, alpha: 8, name });
  return { result, outPath };
}

describe('writeAdapterGguf', () => {
  it('writes llama.cpp LoRA metadata and each matrix as it is, ne = reversed shape, in block order', async () => {
    const { result, outPath } = await convert('good', GOOD);
    expect(result).toEqual({ architecture: 'llama', pairs: 2, rank: 4 });
    const file = await readGguf(outPath);
    expect(file.metadata).toMatchObject({
      'general.architecture': 'llama',
      'general.type': 'adapter',
      'general.name': 'good',
      'adapter.type': 'lora',
      'adapter.lora.alpha': 8,
    });
    expect(file.tensors.map((t) => [t.name, t.type, t.dims])).toEqual([
      ['blk.0.ffn_down.weight.lora_a', GgmlType.F32, [128, 4]],
      ['blk.0.ffn_down.weight.lora_b', GgmlType.F32, [4, 64]],
      ['blk.1.attn_k.weight.lora_a', GgmlType.F32, [64, 4]],
      ['blk.1.attn_k.weight.lora_b', GgmlType.F32, [4, 32]],
    ]);
    const bytes = await readFile(outPath);
    const t = file.tensors[2]!;
    expect(bytes.subarray(file.dataOffset + t.offset, file.dataOffset + t.offset + 4 * 64 * 4)).toEqual(
      Buffer.from(GOOD[0]!.data),
    );
  });

  it.each([
    [
      'a shape the base model does not have',
      [matrix('blk.0.attn_q.weight.lora_a', 4, 32), matrix('blk.0.attn_q.weight.lora_b', 64, 4)],
      /'blk\.0\.attn_q\.weight' maps 32 → 64 but the base model .* has it as \[64, 64\]/,
    ],
    [
      'a block the base model does not have',
      [matrix('blk.7.attn_q.weight.lora_a', 4, 64), matrix('blk.7.attn_q.weight.lora_b', 64, 4)],
      /adapts 'blk\.7\.attn_q\.weight', which the base model .* does not have/,
    ],
    [
      'a missing half',
      [matrix('blk.0.attn_q.weight.lora_a', 4, 64)],
      /'blk\.0\.attn_q\.weight' has lora_a but no lora_b/,
    ],
    [
      'different ranks',
      [matrix('blk.0.attn_q.weight.lora_a', 4, 64), matrix('blk.0.attn_q.weight.lora_b', 64, 2)],
      /lora_a has rank 4 but lora_b has rank 2/,
    ],
    [
      'a tensor that is no LoRA matrix',
      [...GOOD, matrix('token_embd.weight', 512, 64)],
      /tensor 'token_embd\.weight' is not a LoRA matrix/,
    ],
    ['no tensors', [], /has no LoRA tensors/],
  ])('refuses %s, naming it, and writes nothing', async (name, tensors, message) => {
    const file = name.replaceAll(' ', '-');
    await expect(convert(file, tensors)).rejects.toMatchObject({
      code: 'INVALID_MODEL_FOLDER',
      message: expect.stringMatching(message),
    });
    expect(existsSync(join(dir, `${file}.gguf`))).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
