/**
 * Hugging Face PEFT LoRA adapter folder (`adapter_config.json`, `adapter_model.safetensors`) → GGUF LoRA adapter,
 * as llama.cpp's convert_lora_to_gguf.py writes it and llama-adapter.cpp loads it: `general.type = adapter`,
 * `adapter.type = lora`, `adapter.lora.alpha`, the base model's `general.architecture`, and for each adapted
 * weight W (GGUF name from the architecture's own mapping) `W.lora_a` (HF A [r, in] → ne [in, r]) and `W.lora_b`
 * (HF B [out, r] → ne [r, out]). Whatever the converter does to W's rows happens to B's rows (B·A has W's rows):
 * llama q/k get the RoPE permutation on B, A is unchanged (convert_lora_to_gguf's `LoraTorchTensor.permute`).
 * Every pair is checked against the base model's tensor index (llama.cpp's own shape check), so an adapter for
 * another model fails here with the tensor named, not at load time.
 */
import { basename } from 'node:path';
import { GgmlType, gguf, writeGguf, type GgufFile, type GgufWriteTensor } from '../gguf/index.js';
import { architectureForGguf, SUPPORTED_ARCHITECTURES } from './architectures.js';
import { folderError } from './folder-error.js';
import type { HfConfig } from './hf-config.js';
import { readPeftConfig } from './peft-config.js';
import { SafetensorsFolder } from './safetensors-folder.js';
import type { SafetensorsTensor } from './safetensors-header.js';
import { READABLE_DTYPES, TensorEncoder, type TensorJob } from './tensor-encoder.js';

/** The base model an adapter is converted for: its parsed GGUF and a label for messages. */
export interface LoraBase {
  readonly gguf: GgufFile;
  readonly label: string;
}

export interface ConvertAdapterOptions {
  /** `general.name` (default: the folder's name). */
  name?: string;
  onProgress?: (completed: number, total: number) => void;
}

export interface ConvertAdapterResult {
  architecture: string;
  /** Adapted weights (A/B pairs). */
  pairs: number;
  alpha: number;
}

type Job = TensorJob & { readonly dims: number[] };

const LORA_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

// The config the architecture's tensor rules read (head counts for the llama q/k permutation), from the base GGUF.
function configFromBase(base: LoraBase, arch: string): HfConfig {
  const m = base.gguf.metadata;
  const heads = m[`${arch}.attention.head_count`];
  const kv = m[`${arch}.attention.head_count_kv`];
  return {
    path: base.label,
    values: {
      ...(typeof heads === 'number' ? { num_attention_heads: heads } : {}),
      ...(typeof kv === 'number' ? { num_key_value_heads: kv } : {}),
    },
  };
}

function pairTensors(
  folder: SafetensorsFolder,
): Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }> {
  const pairs = new Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const t of folder.tensors.values()) {
    const m = LORA_NAME.exec(t.name);
    if (m === null)
      throw folderError(
        t.file,
        `tensor '${t.name}' is not a LoRA A/B matrix (adapters with fully trained weights such as modules_to_save or embeddings are not supported)`,
      );
    const [, module, which] = m as unknown as [string, string, 'A' | 'B'];
    const pair = pairs.get(module) ?? {};
    if (which === 'A') pair.a = t;
    else pair.b = t;
    pairs.set(module, pair);
  }
  if (pairs.size === 0) throw folderError(folder.dir, 'the adapter has no LoRA tensors');
  return pairs;
}

function planJobs(folder: SafetensorsFolder, base: LoraBase, archName: string): Job[] {
  const arch = architectureForGguf(archName);
  if (arch === undefined)
    throw folderError(
      folder.dir,
      `LoRA adapters for ${archName} base models are not supported yet (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
    );
  const config = configFromBase(base, archName);
  const baseTensors = new Map(base.gguf.tensors.map((t) => [t.name, t]));
  const jobs: Job[] = [];
  for (const [module, { a, b }] of pairTensors(folder)) {
    const any = (a ?? b)!;
    if (a === undefined || b === undefined)
      throw folderError(any.file, `'${module}' has lora_${a ? 'A' : 'B'} but no lora_${a ? 'B' : 'A'}`);
    for (const t of [a, b])
      if (!READABLE_DTYPES.includes(t.dtype) || t.shape.length !== 2)
        throw folderError(t.file, `'${t.name}' must be a 2-D ${READABLE_DTYPES.join('/')} matrix`);
    const [rank, nIn] = a.shape as [number, number];
    const [nOut, rankB] = b.shape as [number, number];
    if (rank !== rankB)
      throw folderError(b.file, `'${module}': lora_A has rank ${rank} but lora_B has rank ${rankB}`);
    const rule = arch.tensor(`${module}.weight`, config);
    if (rule == null)
      throw folderError(
        a.file,
        `'${module}' is not a weight a ${arch.arch} model has (was the adapter trained for another architecture?)`,
      );
    const target = baseTensors.get(rule.name);
    if (target === undefined)
      throw folderError(
        a.file,
        `does not fit the base model ${base.label}: it adapts '${rule.name}', which the base model does not have`,
      );
    if (target.dims.length !== 2 || target.dims[0] !== nIn || target.dims[1] !== nOut)
      throw folderError(
        a.file,
        `does not fit the base model ${base.label}: '${module}' maps ${nIn} → ${nOut} but '${rule.name}' is [${target.dims.join(', ')}] (was the adapter trained for another model?)`,
      );
    const type = a.dtype === 'F16' && b.dtype === 'F16' ? GgmlType.F16 : GgmlType.F32;
    jobs.push({ name: `${rule.name}.lora_a`, type, source: a, rows: rank, rowElems: nIn, dims: [nIn, rank] });
    const permute = rule.permuteHeads;
    if (permute !== undefined && (nOut % permute !== 0 || (nOut / permute) % 2 !== 0))
      throw folderError(b.file, `'${b.name}': ${nOut} rows do not split into ${permute} heads of even size`);
    jobs.push({
      name: `${rule.name}.lora_b`,
      type,
      source: b,
      rows: nOut,
      rowElems: rank,
      dims: [rank, nOut],
      ...(permute === undefined ? {} : { permuteHeads: permute }),
    });
  }
  return jobs.sort((x, y) => blockOf(x.name) - blockOf(y.name) || (x.name < y.name ? -1 : 1));
}

function blockOf(name: string): number {
  const m = /^blk\.(\d+)\./.exec(name);
  return m === null ? -1 : Number(m[1]);
}

/** Converts the PEFT adapter in `dir` for `base` into a GGUF LoRA at `outPath` (replaced; removed on failure). */
export async function convertPeftAdapter(
  dir: string,
  outPath: string,
  base: LoraBase,
  options: ConvertAdapterOptions = {},
): Promise<ConvertAdapterResult> {
  const config = await readPeftConfig(dir);
  const archName = base.gguf.metadata['general.architecture'];
  if (typeof archName !== 'string')
    throw folderError(dir, `the base model ${base.label} has no general.architecture`);
  const folder = await SafetensorsFolder.open(dir, 'adapter_model');
  try {
    const jobs = planJobs(folder, base, archName);
    const total = jobs.reduce((sum, j) => sum + TensorEncoder.sourceBytes(j), 0);
    let completed = 0;
    const encoder = new TensorEncoder(folder, (bytes) => {
      completed += bytes;
      options.onProgress?.(completed, total);
    });
    const tensors: GgufWriteTensor[] = jobs.map((job) => ({
      name: job.name,
      type: job.type,
      dims: job.dims,
      data: () => encoder.chunks(job),
    }));
    await writeGguf(outPath, {
      metadata: {
        'general.architecture': gguf.str(archName),
        'general.type': gguf.str('adapter'),
        'general.name': gguf.str(options.name ?? basename(dir)),
        'adapter.type': gguf.str('lora'),
        'adapter.lora.alpha': gguf.f32(config.alpha),
      },
      tensors,
    });
    return { architecture: archName, pairs: jobs.length / 2, alpha: config.alpha };
  } finally {
    await folder.close();
  }
}
