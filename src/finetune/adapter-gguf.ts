/**
 * The trainer's `adapter.safetensors` → a GGUF LoRA adapter that llama.cpp loads (llama-adapter.cpp), in the
 * format `convertPeftAdapter` writes: `general.type = adapter`, `adapter.type = lora`, `adapter.lora.alpha`, the
 * base model's `general.architecture`, and per adapted weight `W.lora_a` (ne [n_in, r]) and `W.lora_b` (ne [r, n_out]).
 * The trainer already works in GGUF tensor names and row order (its q/k rows are the base GGUF's), so tensors are
 * copied as they are: a numpy [r, n_in] matrix is ne [n_in, r]. Each pair is checked against the base model's
 * tensor index, as llama.cpp does at load time, so a mismatch fails here with the tensor named.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { AppError } from '../core/index.js';
import { readSafetensorsHeader, type SafetensorsTensor } from '../convert/index.js';
import { GgmlType, gguf, readGguf, writeGguf, type GgufWriteTensor } from '../gguf/index.js';

export interface WriteAdapterGgufOptions {
  /** The trainer's output (`output_dir/adapter.safetensors`). */
  safetensorsPath: string;
  /** The base model the adapter was trained on. */
  baseGgufPath: string;
  /** The GGUF adapter to write (replaced atomically). */
  outPath: string;
  /** LoRA alpha: llama.cpp scales the update by alpha / rank. */
  alpha: number;
  /** `general.name`. */
  name: string;
}

export interface AdapterGgufResult {
  architecture: string;
  /** Adapted weights (A/B pairs). */
  pairs: number;
  rank: number;
}

const NAME =
  /^(blk\.\d+\.(?:attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight)\.lora_([ab])$/;
const TYPES: Readonly<Record<string, number>> = { F32: GgmlType.F32, F16: GgmlType.F16 };

function adapterError(path: string, message: string): AppError {
  return new AppError('INVALID_MODEL_FOLDER', `${path}: ${message}`, { details: { path } });
}

interface Pair {
  weight: string;
  a: SafetensorsTensor;
  b: SafetensorsTensor;
}

function pairTensors(path: string, tensors: readonly SafetensorsTensor[]): Pair[] {
  const halves = new Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const t of tensors) {
    const m = NAME.exec(t.name);
    if (m === null) throw adapterError(path, `tensor '${t.name}' is not a LoRA matrix of a block weight`);
    if (TYPES[t.dtype] === undefined || t.shape.length !== 2)
      throw adapterError(
        path,
        `'${t.name}' must be a 2-D F32 or F16 matrix, not ${t.dtype} [${t.shape.join(', ')}]`,
      );
    const half = halves.get(m[1]!) ?? {};
    half[m[2] as 'a' | 'b'] = t;
    halves.set(m[1]!, half);
  }
  if (halves.size === 0) throw adapterError(path, 'the adapter has no LoRA tensors');
  return [...halves].map(([weight, { a, b }]) => {
    if (a === undefined || b === undefined)
      throw adapterError(path, `'${weight}' has lora_${a ? 'a' : 'b'} but no lora_${a ? 'b' : 'a'}`);
    return { weight, a, b };
  });
}

function checkPair(path: string, base: Map<string, number[]>, baseLabel: string, pair: Pair): number {
  const [rank, nIn] = pair.a.shape as [number, number];
  const [nOut, rankB] = pair.b.shape as [number, number];
  if (rank !== rankB)
    throw adapterError(path, `'${pair.weight}': lora_a has rank ${rank} but lora_b has rank ${rankB}`);
  const dims = base.get(pair.weight);
  if (dims === undefined)
    throw adapterError(path, `adapts '${pair.weight}', which the base model ${baseLabel} does not have`);
  if (dims.length !== 2 || dims[0] !== nIn || dims[1] !== nOut)
    throw adapterError(
      path,
      `'${pair.weight}' maps ${nIn} → ${nOut} but the base model ${baseLabel} has it as [${dims.join(', ')}] (trained for another model?)`,
    );
  return rank;
}

async function readRange(handle: FileHandle, t: SafetensorsTensor): Promise<Uint8Array> {
  const buffer = Buffer.alloc(t.end - t.start);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, t.start);
  if (bytesRead !== buffer.length) throw adapterError(t.file, `'${t.name}' is truncated`);
  return buffer;
}

/** Writes the GGUF LoRA adapter for `options.safetensorsPath` at `options.outPath`. */
export async function writeAdapterGguf(options: WriteAdapterGgufOptions): Promise<AdapterGgufResult> {
  const { safetensorsPath: path, baseGgufPath, outPath } = options;
  if (!(Number.isFinite(options.alpha) && options.alpha > 0))
    throw new AppError('INVALID_REQUEST', `LoRA alpha must be a positive number, not ${options.alpha}`);
  const base = await readGguf(baseGgufPath);
  const architecture = base.metadata['general.architecture'];
  if (typeof architecture !== 'string')
    throw new AppError('INVALID_GGUF', `${baseGgufPath}: the base model has no general.architecture`);
  const baseDims = new Map(base.tensors.map((t) => [t.name, t.dims]));
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new AppError('FILE_NOT_FOUND', `${path}: cannot open the trained adapter`, { cause: err });
  }
  const temp = `${outPath}.${randomUUID()}.tmp`;
  try {
    const tensors = await readSafetensorsHeader(handle, path, (await handle.stat()).size);
    const pairs = pairTensors(path, tensors);
    const ranks = new Set(pairs.map((p) => checkPair(path, baseDims, baseGgufPath, p)));
    const blockOf = (p: Pair): number => Number(/^blk\.(\d+)\./.exec(p.weight)![1]);
    pairs.sort((x, y) => blockOf(x) - blockOf(y) || (x.weight < y.weight ? -1 : 1));
    const entries: GgufWriteTensor[] = pairs.flatMap(({ weight, a, b }) =>
      [a, b].map((t, i) => ({
        name: `${weight}.lora_${i === 0 ? 'a' : 'b'}`,
        type: TYPES[t.dtype]!,
        dims: [t.shape[1]!, t.shape[0]!],
        data: () => readRange(handle, t),
      })),
    );
    await writeGguf(temp, {
      metadata: {
        'general.architecture': gguf.str(architecture),
        'general.type': gguf.str('adapter'),
        'general.name': gguf.str(options.name),
        'adapter.type': gguf.str('lora'),
        'adapter.lora.alpha': gguf.f32(options.alpha),
      },
      tensors: entries,
    });
    await rename(temp, outPath);
    return { architecture, pairs: pairs.length, rank: Math.max(...ranks) };
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    await handle.close();
  }
}
