/**
 * Hugging Face folder (config.json, safetensors weights, tokenizer) → one GGUF file, as llama.cpp's
 * convert_hf_to_gguf.py would write it for the supported architectures. Everything that can be wrong with the
 * folder (architecture, tokenizer, missing tensors and shards, dtypes) is checked before the output is created;
 * tensor data then streams from the safetensors files into the GGUF writer.
 */
import { basename } from 'node:path';
import { GgmlType, gguf, writeGguf, type GgufWriteTensor } from '../gguf/index.js';
import type { Architecture } from './architecture.js';
import { architectureFor } from './architectures.js';
import { folderError } from './folder-error.js';
import { readHfConfig, type HfConfig } from './hf-config.js';
import { OUTPUT_FILE_TYPE, tensorTypeFor, type OutputType } from './output-type.js';
import { SafetensorsFolder } from './safetensors-folder.js';
import { READABLE_DTYPES, TensorEncoder, type TensorJob } from './tensor-encoder.js';
import { tokenizerMetadata } from './tokenizer-metadata.js';
import type { Metadata } from './text-metadata.js';

export interface ConvertOptions {
  /** Weight type of the matrices (default F16). */
  outputType?: OutputType;
  /** `general.name` (default: the folder's name). */
  name?: string;
  /** Called as source bytes are converted: `completed` of `total`. */
  onProgress?: (completed: number, total: number) => void;
}

export interface ConvertResult {
  architecture: string;
  tensorCount: number;
  /** Bytes of safetensors data read. */
  sourceBytes: number;
}

/** A tensor job with its GGUF dims (innermost first). */
type PlannedJob = TensorJob & { readonly dims: number[] };

// token_embd, then blocks in numeric order, then output tensors: the order llama.cpp's converter tends to produce.
function orderKey(name: string): [number, number, string] {
  const block = /^blk\.(\d+)\./.exec(name);
  if (block) return [1, Number(block[1]), name];
  return [name.startsWith('output') ? 2 : 0, 0, name];
}

function compareNames(a: string, b: string): number {
  const [x, y] = [orderKey(a), orderKey(b)];
  return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

function planTensors(
  folder: SafetensorsFolder,
  arch: Architecture,
  config: HfConfig,
  vocabSize: number,
  outputType: OutputType,
): PlannedJob[] {
  const planned: { job: Omit<TensorJob, 'type'>; dims: number[] }[] = [];
  const names = new Set<string>();
  for (const t of folder.tensors.values()) {
    const rule = arch.tensor(t.name, config);
    if (rule === null) continue;
    if (rule === undefined)
      throw folderError(
        t.file,
        `cannot map tensor '${t.name}' to a ${arch.arch} GGUF tensor (not supported yet)`,
      );
    if (!READABLE_DTYPES.includes(t.dtype))
      throw folderError(
        t.file,
        `tensor '${t.name}' has dtype ${t.dtype}; only ${READABLE_DTYPES.join(', ')} can be converted`,
      );
    if (names.has(rule.name)) throw folderError(t.file, `two tensors map to '${rule.name}'`);
    names.add(rule.name);
    let rows = t.shape[0] ?? 1;
    const rowElems = t.shape.slice(1).reduce((a, b) => a * b, 1);
    if (rule.name === 'token_embd.weight') {
      if (arch.trimEmbeddingsToVocab === true) rows = Math.min(rows, vocabSize);
      if (rows !== vocabSize)
        throw folderError(t.file, `'${t.name}' has ${rows} rows but the tokenizer has ${vocabSize} tokens`);
    }
    if (
      rule.permuteHeads !== undefined &&
      (rows % rule.permuteHeads !== 0 || (rows / rule.permuteHeads) % 2 !== 0)
    )
      throw folderError(
        t.file,
        `'${t.name}': ${rows} rows do not split into ${rule.permuteHeads} heads of even size`,
      );
    const dims = t.shape.length <= 1 ? [rows] : [...t.shape.slice(1)].reverse().concat(rows);
    planned.push({ job: { ...rule, source: t, rows, rowElems }, dims });
  }
  for (const required of ['token_embd.weight', 'output_norm.weight'])
    if (!names.has(required)) throw folderError(folder.dir, `the weights have no tensor for '${required}'`);
  const hasOutput = names.has('output.weight');
  return planned
    .sort((a, b) => compareNames(a.job.name, b.job.name))
    .map(({ job, dims }) => {
      const isOutput = job.name === 'output.weight' || (!hasOutput && job.name === 'token_embd.weight');
      return { ...job, type: tensorTypeFor(job.name, dims, outputType, isOutput), dims };
    });
}

/** Converts the Hugging Face model in `dir` into a GGUF file at `outPath` (replaced; removed on failure). */
export async function convertHfModel(
  dir: string,
  outPath: string,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  const outputType = options.outputType ?? 'F16';
  const config = await readHfConfig(dir);
  const arch = architectureFor(config);
  const archMetadata = arch.metadata(config);
  const tokenizer = await tokenizerMetadata(dir, config);
  const folder = await SafetensorsFolder.open(dir);
  try {
    const jobs = planTensors(folder, arch, config, tokenizer.vocabSize, outputType);
    const total = jobs.reduce((sum, j) => sum + TensorEncoder.sourceBytes(j), 0);
    let completed = 0;
    const encoder = new TensorEncoder(folder, (bytes) => {
      completed += bytes;
      options.onProgress?.(completed, total);
    });
    const tensors: GgufWriteTensor[] = arch.generated(config).map((g) => ({
      name: g.name,
      type: GgmlType.F32, // generated tensors are 1-D factors
      dims: [g.values.length],
      data: new Uint8Array(g.values.buffer, g.values.byteOffset, g.values.byteLength),
    }));
    for (const job of jobs)
      tensors.push({ name: job.name, type: job.type, dims: job.dims, data: () => encoder.chunks(job) });
    const metadata: Metadata = {
      'general.architecture': gguf.str(arch.arch),
      'general.type': gguf.str('model'),
      'general.name': gguf.str(options.name ?? basename(dir)),
      'general.file_type': gguf.u32(OUTPUT_FILE_TYPE[outputType]),
      'general.quantization_version': gguf.u32(2),
      ...archMetadata,
      ...tokenizer.metadata,
    };
    await writeGguf(outPath, { metadata, tensors });
    return { architecture: arch.arch, tensorCount: tensors.length, sourceBytes: completed };
  } finally {
    await folder.close();
  }
}
