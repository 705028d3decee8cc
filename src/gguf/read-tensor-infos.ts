/** Decodes the tensor info table (gguf.md `gguf_tensor_info_t`) with the checks llama.cpp's gguf.cpp applies. */
import type { ByteCursor } from './byte-cursor.js';
import { ggmlTypeInfo, ggmlTypeName, type GgmlType } from './ggml-type.js';
import { readString, type ValueLimits } from './read-value.js';

/** One tensor of a GGUF file. `offset` is relative to the data section ({@link GgufFile.dataOffset}). */
export interface GgufTensorInfo {
  name: string;
  /** Dimensions innermost first, as stored (`dims[0]` = row length). */
  dims: number[];
  type: GgmlType;
  offset: number;
  byteSize: number;
}

// ggml.h: GGML_MAX_DIMS = 4; GGML_MAX_NAME = 64 including the NUL, so gguf.cpp refuses names of 64+ bytes.
const MAX_DIMS = 4;
const MAX_NAME_BYTES = 63;

async function readTensorInfo(
  c: ByteCursor,
  limits: ValueLimits,
  index: number,
  alignment: number,
): Promise<GgufTensorInfo> {
  const what = `tensor info ${index}`;
  const name = await readString(
    c,
    { ...limits, maxStringLength: Math.min(limits.maxStringLength, 1024) },
    what,
  );
  if (Buffer.byteLength(name) > MAX_NAME_BYTES || name.length === 0)
    throw c.invalid(`${what} has a name of ${Buffer.byteLength(name)} bytes (must be 1..${MAX_NAME_BYTES})`);
  const label = `tensor '${name}'`;
  await c.need(4, label);
  const nDims = c.u32();
  if (nDims > MAX_DIMS) throw c.invalid(`${label} has ${nDims} dimensions (at most ${MAX_DIMS})`);
  await c.need(nDims * 8 + 4 + 8, label);
  const dims: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const dim = c.u64Approx();
    elements *= dim;
    dims.push(dim);
  }
  if (!Number.isSafeInteger(elements)) throw c.invalid(`${label} has absurd dimensions [${dims.join(', ')}]`);
  const type = c.u32();
  const info = ggmlTypeInfo(type);
  if (info === undefined) {
    const known = ggmlTypeName(type);
    throw c.invalid(
      `${label} has ${known ? `type ${known} (${type}), no longer supported` : `unknown type ${type}`}`,
    );
  }
  if ((dims[0] ?? 1) % info.blockSize !== 0)
    throw c.invalid(
      `${label} row length ${dims[0]} is not a multiple of the ${info.name} block size ${info.blockSize}`,
    );
  const offset = c.u64Approx();
  if (offset % alignment !== 0)
    throw c.invalid(`${label} offset ${offset} is not a multiple of alignment ${alignment}`);
  return { name, dims, type, offset, byteSize: (elements / info.blockSize) * info.typeSize };
}

/** Reads `count` tensor infos, refusing duplicate names (the data bounds are checked by the caller). */
export async function readTensorInfos(
  c: ByteCursor,
  count: number,
  limits: ValueLimits,
  alignment: number,
): Promise<GgufTensorInfo[]> {
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const t = await readTensorInfo(c, limits, i, alignment);
    if (names.has(t.name)) throw c.invalid(`tensor name '${t.name}' appears twice`);
    names.add(t.name);
    tensors.push(t);
  }
  return tensors;
}
