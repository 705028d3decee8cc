/** Summarises a parsed GGUF file the way `ollama show` does: architecture, size, context, quantization. */
import { fileTypeName } from './file-type.js';
import { elementCount, ggmlTypeName } from './ggml-type.js';
import type { GgufFile } from './parse-gguf.js';
import type { GgufValue } from './value-type.js';

/** What a model file says about itself. Optional fields are absent when the file does not carry them. */
export interface ModelDetails {
  /** `general.architecture` (`llama`, `qwen2`, …), `'unknown'` when missing. */
  architecture: string;
  /** Sum of the element counts of all tensors. */
  parameterCount: number;
  contextLength?: number;
  embeddingLength?: number;
  blockCount?: number;
  headCount?: number;
  /** `general.file_type` as llama.cpp names it (`F16`, `Q4_K_M`). */
  fileType?: string;
  /** The file type name, else the tensor type holding the most weights among matrices. */
  quantization: string;
  /** `general.name`. */
  name?: string;
  /** `general.type` is `adapter` (a LoRA adapter, not a model). */
  isAdapter: boolean;
}

function asNumber(value: GgufValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // Some architectures store per-layer values (e.g. OpenELM head counts): report the largest.
  if (Array.isArray(value) && value.length > 0) {
    const numbers = value.map(asNumber).filter((n): n is number => n !== undefined);
    return numbers.length > 0 ? Math.max(...numbers) : undefined;
  }
  return undefined;
}

function dominantTensorType(file: GgufFile): string {
  const weights = new Map<number, number>();
  // Norms and biases are kept in F32 even in quantized files: count matrices first.
  const matrices = file.tensors.filter((t) => t.dims.filter((d) => d > 1).length >= 2);
  for (const t of matrices.length > 0 ? matrices : file.tensors)
    weights.set(t.type, (weights.get(t.type) ?? 0) + elementCount(t.dims));
  let best: number | undefined;
  for (const [type, count] of weights) if (best === undefined || count > weights.get(best)!) best = type;
  return best === undefined ? 'unknown' : (ggmlTypeName(best) ?? `type ${best}`);
}

/** Describes a model from its parsed GGUF header (reads `<arch>.context_length` and friends). */
export function describeGguf(file: GgufFile): ModelDetails {
  const m = file.metadata;
  const arch = typeof m['general.architecture'] === 'string' ? m['general.architecture'] : 'unknown';
  const fileTypeId = asNumber(m['general.file_type']);
  const fileType = fileTypeId === undefined ? undefined : fileTypeName(fileTypeId);
  const details: ModelDetails = {
    architecture: arch,
    parameterCount: file.tensors.reduce((sum, t) => sum + elementCount(t.dims), 0),
    quantization: fileType ?? dominantTensorType(file),
    isAdapter: m['general.type'] === 'adapter',
  };
  const optional = {
    contextLength: asNumber(m[`${arch}.context_length`]),
    embeddingLength: asNumber(m[`${arch}.embedding_length`]),
    blockCount: asNumber(m[`${arch}.block_count`]),
    headCount: asNumber(m[`${arch}.attention.head_count`]),
    fileType,
    name: typeof m['general.name'] === 'string' ? m['general.name'] : undefined,
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(details, { [key]: value });
  return details;
}
