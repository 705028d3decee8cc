/**
 * The header of one `.safetensors` file (huggingface/safetensors format spec): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {…}}`, then the
 * data, with offsets relative to its start. Everything is checked against the file size, so a truncated or
 * inconsistent file is refused here, before any tensor is read.
 */
import type { FileHandle } from 'node:fs/promises';
import { folderError } from './folder-error.js';

/** Bytes per element of the dtypes the format defines (F8 types included, so they are named, not "unknown"). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** One tensor of a safetensors file; `start`/`end` are absolute file positions. */
export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  /** Outermost first, as PyTorch has it (`[out_features, in_features]`). */
  readonly shape: readonly number[];
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

// A header beyond this is not a model header (the reference implementation refuses > 100 MB too).
const MAX_HEADER = 100 * 1024 * 1024;

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

function parseEntry(
  path: string,
  name: string,
  value: unknown,
  base: number,
  dataSize: number,
): SafetensorsTensor {
  const bad = (why: string) => folderError(path, `tensor '${name}': ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('dtype is missing');
  const size = DTYPE_BYTES[dtype];
  if (size === undefined) throw bad(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
    throw bad('shape is not a list of sizes');
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)
  )
    throw bad('data_offsets is not [begin, end]');
  const [begin, end] = offsets as [number, number];
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  if (end - begin !== elements * size)
    throw bad(`data_offsets span ${end - begin} bytes, shape and dtype need ${elements * size}`);
  if (end > dataSize)
    throw bad(`data ends at byte ${end} of the data section, which has only ${dataSize} (file truncated?)`);
  return { name, dtype, shape: shape as number[], file: path, start: base + begin, end: base + end };
}

/** Reads and checks the header of the safetensors file open as `handle` (`size` bytes long) at `path`. */
export async function readSafetensorsHeader(
  handle: FileHandle,
  path: string,
  size: number,
): Promise<SafetensorsTensor[]> {
  if (size < 8) throw folderError(path, `not a safetensors file: ${size} bytes (truncated?)`);
  const n = Number((await readExactly(handle, 8, 0)).readBigUInt64LE(0));
  if (n > MAX_HEADER) throw folderError(path, `not a safetensors file: header length ${n} is absurd`);
  if (8 + n > size)
    throw folderError(
      path,
      `truncated: the header needs ${n} bytes, the file has ${size - 8} after the length`,
    );
  let header: unknown;
  try {
    header = JSON.parse((await readExactly(handle, n, 8)).toString('utf8'));
  } catch (err) {
    throw folderError(path, 'not a safetensors file: the header is not JSON', err);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw folderError(path, 'not a safetensors file: the header is not a JSON object');
  const base = 8 + n;
  const tensors: SafetensorsTensor[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.push(parseEntry(path, name, value, base, size - base));
  }
  return tensors;
}

/** Bytes per element of a safetensors dtype. */
export function dtypeBytes(dtype: string): number {
  return DTYPE_BYTES[dtype] ?? 0;
}
