/**
 * Streams one safetensors tensor into GGUF bytes of its output type, a bounded number of rows at a time: read the
 * rows, reorder them (llama q/k RoPE permutation), decode to float32, adjust (Gemma norm +1), encode (F32, F16,
 * BF16, Q8_0, Q4_0). Scratch buffers are kept between chunks and tensors, so memory stays at a few chunk sizes
 * whatever the model size. Same-type copies skip the float32 round trip.
 */
import { GgmlType } from '../gguf/index.js';
import { F16_TO_F32, f32BitsToBf16, f32ToF16Bits } from './float-codecs.js';
import { folderError } from './folder-error.js';
import { permuteRows } from './permute-rows.js';
import { quantizeQ4_0, Q4_0_BYTES } from './quantize-q4-0.js';
import { quantizeQ8_0, Q8_0_BYTES } from './quantize-q8-0.js';
import type { SafetensorsFolder } from './safetensors-folder.js';
import { dtypeBytes, type SafetensorsTensor } from './safetensors-header.js';

/** One tensor to convert. Rows are the outer dimension of the HF shape; `rows` may be fewer (Gemma 3 trim). */
export interface TensorJob {
  readonly name: string;
  readonly type: number;
  readonly source: SafetensorsTensor;
  readonly rows: number;
  readonly rowElems: number;
  readonly permuteHeads?: number;
  readonly addOne?: boolean;
}

const CHUNK_ELEMENTS = 1 << 21;
const SAME: Readonly<Record<string, number>> = { F32: GgmlType.F32, F16: GgmlType.F16, BF16: GgmlType.BF16 };

/** Dtypes the converter reads. */
export const READABLE_DTYPES = ['F32', 'F16', 'BF16'];

function grow(buf: Uint8Array, size: number): Uint8Array {
  // A fresh ArrayBuffer (not Buffer's pool) so Float32Array/Uint16Array views at offset 0 are aligned.
  return buf.length >= size ? buf : new Uint8Array(Math.max(size, buf.length * 2));
}

function decode(dtype: string, raw: Uint8Array, n: number, out: Float32Array): void {
  if (dtype === 'F32') out.set(new Float32Array(raw.buffer, 0, n));
  else if (dtype === 'F16') {
    const h = new Uint16Array(raw.buffer, 0, n);
    for (let i = 0; i < n; i++) out[i] = F16_TO_F32[h[i]!]!;
  } else {
    const h = new Uint16Array(raw.buffer, 0, n);
    const bits = new Uint32Array(out.buffer, 0, n);
    for (let i = 0; i < n; i++) bits[i] = h[i]! << 16;
  }
}

export class TensorEncoder {
  #raw: Uint8Array = new Uint8Array(0);
  #perm: Uint8Array = new Uint8Array(0);
  #f32 = new Float32Array(0);
  #out: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly folder: SafetensorsFolder,
    private readonly onRead: (bytes: number) => void,
  ) {}

  /** Rows per chunk: about CHUNK_ELEMENTS values, whole permutation groups (heads) when permuting. */
  #rowsPerChunk(job: TensorJob): number {
    let rows = Math.max(1, Math.floor(CHUNK_ELEMENTS / job.rowElems));
    if (job.permuteHeads !== undefined) {
      const group = job.rows / job.permuteHeads;
      rows = Math.max(1, Math.floor(rows / group)) * group;
    }
    return Math.min(rows, job.rows);
  }

  /** Source bytes a job reads. */
  static sourceBytes(job: TensorJob): number {
    return job.rows * job.rowElems * dtypeBytes(job.source.dtype);
  }

  async *chunks(job: TensorJob): AsyncGenerator<Uint8Array> {
    const elemBytes = dtypeBytes(job.source.dtype);
    const rowBytes = job.rowElems * elemBytes;
    const perChunk = this.#rowsPerChunk(job);
    const passThrough = SAME[job.source.dtype] === job.type && !job.addOne;
    for (let row = 0; row < job.rows; row += perChunk) {
      const rows = Math.min(perChunk, job.rows - row);
      const n = rows * job.rowElems;
      this.#raw = grow(this.#raw, rows * rowBytes);
      await this.folder.read(job.source, row * rowBytes, rows * rowBytes, this.#raw);
      this.onRead(rows * rowBytes);
      let raw = this.#raw;
      if (job.permuteHeads !== undefined)
        raw = this.#permute(raw, rows, rowBytes, job.rows / job.permuteHeads);
      if (passThrough) {
        yield raw.subarray(0, rows * rowBytes);
        continue;
      }
      if (this.#f32.length < n) this.#f32 = new Float32Array(Math.max(n, this.#f32.length * 2));
      decode(job.source.dtype, raw, n, this.#f32);
      if (job.addOne) for (let i = 0; i < n; i++) this.#f32[i] = this.#f32[i]! + 1;
      yield this.#encode(job.type, n);
    }
  }

  #permute(raw: Uint8Array, rows: number, rowBytes: number, group: number): Uint8Array {
    this.#perm = grow(this.#perm, rows * rowBytes);
    permuteRows(raw, this.#perm, rows, rowBytes, group);
    return this.#perm;
  }

  #encode(type: number, n: number): Uint8Array {
    const f = this.#f32;
    switch (type) {
      case GgmlType.F32:
        return new Uint8Array(f.buffer, 0, n * 4);
      case GgmlType.F16: {
        this.#out = grow(this.#out, n * 2);
        const h = new Uint16Array(this.#out.buffer, 0, n);
        for (let i = 0; i < n; i++) h[i] = f32ToF16Bits(f[i]!);
        return this.#out.subarray(0, n * 2);
      }
      case GgmlType.BF16: {
        this.#out = grow(this.#out, n * 2);
        const h = new Uint16Array(this.#out.buffer, 0, n);
        const bits = new Uint32Array(f.buffer, 0, n);
        for (let i = 0; i < n; i++) h[i] = f32BitsToBf16(bits[i]!);
        return this.#out.subarray(0, n * 2);
      }
      case GgmlType.Q8_0:
        this.#out = grow(this.#out, (n / 32) * Q8_0_BYTES);
        return this.#out.subarray(0, quantizeQ8_0(f, n, this.#out));
      case GgmlType.Q4_0:
        this.#out = grow(this.#out, (n / 32) * Q4_0_BYTES);
        return this.#out.subarray(0, quantizeQ4_0(f, n, this.#out));
      default:
        throw folderError(this.folder.dir, `cannot encode tensors as GGML type ${type}`);
    }
  }
}
