/**
 * GGUF parser over a {@link GgufByteSource} (ggml/docs/gguf.md, checks as in llama.cpp `gguf_init_from_reader`):
 * header, metadata key/value pairs, tensor infos, aligned data section. Tensor data is never read.
 */
import { ByteCursor, type GgufByteSource } from './byte-cursor.js';
import { readTensorInfos, type GgufTensorInfo } from './read-tensor-infos.js';
import { readString, readValue } from './read-value.js';
import { GgufValueType, isValueType, type GgufValue } from './value-type.js';

/** A parsed GGUF file: metadata and tensor index, no tensor data. */
export interface GgufFile {
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** `general.alignment`, 32 when absent. */
  alignment: number;
  /** Absolute file offset of the data section; a tensor's bytes start at `dataOffset + tensor.offset`. */
  dataOffset: number;
  fileSize: number;
}

/** Bounds on counts and sizes; each also is checked against the bytes left in the file. */
export interface ReadGgufOptions {
  /** Most items in one metadata array (default 16,777,216). */
  maxArrayLength?: number;
  /** Most tensors (default 1,048,576). */
  maxTensors?: number;
  /** Most metadata keys (default 65,536). */
  maxKeys?: number;
  /** Longest string in bytes (default 16 MiB). */
  maxStringLength?: number;
}

const DEFAULTS: Required<ReadGgufOptions> = {
  maxArrayLength: 16 * 1024 * 1024,
  maxTensors: 1024 * 1024,
  maxKeys: 65_536,
  maxStringLength: 16 * 1024 * 1024,
};
const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
// Smallest encodings: a key/value pair is a key length (8) + 1 key byte + value type (4) + a 1-byte value;
// a tensor info is a name length (8) + 1 name byte + n_dims (4) + type (4) + offset (8).
const MIN_KV_BYTES = 14;
const MIN_TENSOR_INFO_BYTES = 25;

async function readHeader(c: ByteCursor, limits: Required<ReadGgufOptions>) {
  if (c.remaining < 4) throw c.invalid(`truncated: ${c.remaining} bytes, too short to be a GGUF file`);
  await c.need(4, 'magic');
  const magic = c.u32();
  if (magic !== MAGIC) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(magic);
    const text = bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
    throw c.invalid(`not a GGUF file (starts with "${text}", expected "GGUF")`);
  }
  await c.need(4 + 8 + 8, 'header');
  const version = c.u32();
  // gguf.cpp: a big-endian file read on a little-endian host shows its version in the high bytes.
  if (version > 0 && (version & 0xffff) === 0)
    throw c.invalid(`GGUF version ${version >>> 24} is big-endian, only little-endian files are supported`);
  if (version !== 2 && version !== 3)
    throw c.invalid(`GGUF version ${version} is not supported (only 2 and 3)`);
  const tensorCount = c.u64Approx();
  const kvCount = c.u64Approx();
  if (kvCount > limits.maxKeys || kvCount * MIN_KV_BYTES > c.remaining)
    throw c.invalid(
      `absurd metadata key count ${kvCount} (limit ${limits.maxKeys}, ${c.remaining} bytes left)`,
    );
  if (tensorCount > limits.maxTensors || tensorCount * MIN_TENSOR_INFO_BYTES > c.remaining)
    throw c.invalid(
      `absurd tensor count ${tensorCount} (limit ${limits.maxTensors}, ${c.remaining} bytes left)`,
    );
  return { version, tensorCount, kvCount };
}

async function readMetadata(c: ByteCursor, count: number, limits: Required<ReadGgufOptions>) {
  const metadata: Record<string, GgufValue> = Object.create(null) as Record<string, GgufValue>;
  let alignment = 32;
  for (let i = 0; i < count; i++) {
    // gguf.md: keys are at most 2^16-1 bytes.
    const key = await readString(c, { ...limits, maxStringLength: 65_535 }, `metadata key ${i}`);
    if (key.length === 0) throw c.invalid(`metadata key ${i} is empty`);
    if (key in metadata) throw c.invalid(`metadata key '${key}' appears twice`);
    await c.need(4, `metadata '${key}'`);
    const type = c.u32();
    if (!isValueType(type)) throw c.invalid(`metadata '${key}' has unknown value type ${type}`);
    const value = await readValue(c, type, limits, `metadata '${key}'`);
    if (key === 'general.alignment') {
      // gguf.cpp requires a u32 power of two.
      if (
        type !== GgufValueType.UINT32 ||
        typeof value !== 'number' ||
        value === 0 ||
        (value & (value - 1)) !== 0
      )
        throw c.invalid(`general.alignment must be a u32 power of two, got ${String(value)}`);
      alignment = value;
    }
    metadata[key] = value;
  }
  return { metadata: { ...metadata }, alignment };
}

/** Parses GGUF from `source`; `name` labels errors. Throws `INVALID_GGUF` for anything malformed. */
export async function parseGguf(
  source: GgufByteSource,
  name: string,
  options: ReadGgufOptions = {},
): Promise<GgufFile> {
  const limits = { ...DEFAULTS, ...options };
  const c = new ByteCursor(source, name);
  const { version, tensorCount, kvCount } = await readHeader(c, limits);
  const { metadata, alignment } = await readMetadata(c, kvCount, limits);
  const tensors = await readTensorInfos(c, tensorCount, limits, alignment);
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  for (const t of tensors) {
    const end = dataOffset + t.offset + t.byteSize;
    if (end > source.size)
      throw c.invalid(
        `truncated: tensor '${t.name}' data ends at offset ${end}, past the end of the file (${source.size})`,
      );
  }
  return { version, metadata, tensors, alignment, dataOffset, fileSize: source.size };
}
