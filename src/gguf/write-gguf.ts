/**
 * GGUF v3 writer (ggml/docs/gguf.md): header, typed metadata, tensor infos, then each tensor's data aligned to
 * `general.alignment`. Tensor data is written one tensor at a time and may be produced lazily, so writing a
 * model never needs more memory than its largest tensor (or chunk, when a tensor yields chunks).
 */
import { open, rm } from 'node:fs/promises';
import { AppError } from '../core/index.js';
import { ByteBuilder } from './byte-builder.js';
import { encodeMetadataEntry } from './encode-metadata.js';
import { FileWriter } from './file-writer.js';
import { ggmlTypeName, tensorByteSize, type GgmlType } from './ggml-type.js';
import type { GgufWriteValue } from './write-value.js';

/** Bytes of one tensor: all at once, or as chunks in order. */
export type GgufTensorBytes = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** A tensor's bytes, or a function called when the writer reaches the tensor (lazy data for big models). */
export type GgufTensorData = Uint8Array | (() => GgufTensorBytes | Promise<GgufTensorBytes>);

/** One tensor to write. `dims` are innermost first, as GGUF stores them (`ne[0]` = row length). */
export interface GgufWriteTensor {
  readonly name: string;
  readonly type: GgmlType;
  readonly dims: readonly number[];
  readonly data: GgufTensorData;
}

/** Everything {@link writeGguf} writes. `alignment` defaults to `general.alignment` in metadata, else 32. */
export interface GgufWriteContent {
  readonly metadata: Readonly<Record<string, GgufWriteValue>>;
  readonly tensors: readonly GgufWriteTensor[];
  readonly alignment?: number;
}

const MAGIC = Buffer.from('GGUF', 'latin1');
const VERSION = 3;
// ggml.h GGML_MAX_NAME and GGML_MAX_DIMS: llama.cpp's gguf.cpp refuses longer names and more dims.
const MAX_NAME_BYTES = 63;
const MAX_DIMS = 4;

const pad = (n: number, alignment: number): number => (alignment - (n % alignment)) % alignment;

function fail(path: string, message: string): AppError {
  return new AppError('INVALID_GGUF', `cannot write GGUF ${path}: ${message}`);
}

// The alignment to use, and the metadata with `general.alignment` added when it is not the default 32.
function resolveAlignment(
  path: string,
  content: GgufWriteContent,
): { metadata: Record<string, GgufWriteValue>; alignment: number } {
  const metadata = { ...content.metadata };
  const declared = metadata['general.alignment'];
  if (declared !== undefined && declared.type !== 'u32') throw fail(path, 'general.alignment must be a u32');
  const alignment = content.alignment ?? declared?.value ?? 32;
  if (
    !Number.isInteger(alignment) ||
    alignment <= 0 ||
    (alignment & (alignment - 1)) !== 0 ||
    alignment > 2 ** 30
  )
    throw fail(path, `alignment ${alignment} is not a power of two`);
  if (declared !== undefined && declared.value !== alignment)
    throw fail(path, `alignment ${alignment} disagrees with general.alignment ${String(declared.value)}`);
  if (alignment !== 32) metadata['general.alignment'] = { type: 'u32', value: alignment };
  return { metadata, alignment };
}

function encodeHeader(
  path: string,
  content: GgufWriteContent,
): { header: Buffer; alignment: number; sizes: number[] } {
  const { metadata, alignment } = resolveAlignment(path, content);
  const out = new ByteBuilder();
  for (const byte of MAGIC) out.u8(byte);
  out.u32(VERSION);
  out.u64(content.tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) encodeMetadataEntry(out, key, value);
  const names = new Set<string>();
  const sizes: number[] = [];
  let offset = 0;
  for (const t of content.tensors) {
    const nameBytes = Buffer.byteLength(t.name, 'utf8');
    if (nameBytes === 0 || nameBytes > MAX_NAME_BYTES)
      throw fail(path, `tensor name '${t.name}' must have 1..${MAX_NAME_BYTES} bytes`);
    if (names.has(t.name)) throw fail(path, `duplicate tensor name '${t.name}'`);
    names.add(t.name);
    if (t.dims.length > MAX_DIMS || t.dims.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw fail(path, `tensor '${t.name}' has invalid dims [${t.dims.join(', ')}]`);
    const size = tensorByteSize(t.type, t.dims);
    if (size === undefined)
      throw fail(
        path,
        `tensor '${t.name}': type ${ggmlTypeName(t.type) ?? t.type} cannot hold dims [${t.dims.join(', ')}]`,
      );
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    sizes.push(size);
    offset += size + pad(size, alignment);
  }
  out.zeros(pad(out.length, alignment));
  return { header: out.bytes(), alignment, sizes };
}

async function writeTensorData(
  path: string,
  out: FileWriter,
  tensor: GgufWriteTensor,
  size: number,
): Promise<void> {
  const data = typeof tensor.data === 'function' ? await tensor.data() : tensor.data;
  // A Uint8Array is itself iterable (by byte): wrap it so it is written as one chunk.
  const chunks = data instanceof Uint8Array ? [data] : data;
  let written = 0;
  for await (const chunk of chunks) {
    written += chunk.length;
    if (written > size) break;
    await out.write(chunk);
  }
  if (written !== size)
    throw fail(
      path,
      `tensor '${tensor.name}' needs ${size} bytes, its data has ${written > size ? 'more' : written}`,
    );
}

/**
 * Writes a GGUF v3 file at `path` (replacing it). Metadata keys are written in insertion order, tensors in the
 * order given, each at the next aligned offset. On failure the partial file is removed and the error rethrown:
 * `INVALID_GGUF` for content that cannot form a valid file, the file system's error otherwise.
 */
export async function writeGguf(path: string, content: GgufWriteContent): Promise<void> {
  const { header, alignment, sizes } = encodeHeader(path, content);
  const handle = await open(path, 'w');
  try {
    const out = new FileWriter(handle);
    await out.write(header);
    for (const [i, tensor] of content.tensors.entries()) {
      const size = sizes[i]!;
      await writeTensorData(path, out, tensor, size);
      await out.zeros(pad(size, alignment));
    }
    await out.flush();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined); // already failing: the original error is the one to report
    await rm(path, { force: true });
    throw err;
  }
}
