/**
 * Pieces of a SentencePiece `tokenizer.model` (a protobuf `ModelProto`, sentencepiece_model.proto): field 1 holds
 * the repeated `SentencePiece { string piece = 1; float score = 2; Type type = 3 [default = NORMAL]; }`. Only
 * what llama.cpp needs is decoded; other fields are skipped by wire type.
 */
import { folderError } from './folder-error.js';

export interface SentencePiece {
  piece: string;
  score: number;
  /** SentencePiece `Type`: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. */
  type: number;
}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly path: string,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end)
        throw folderError(this.path, 'truncated protobuf (not a SentencePiece model?)');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw folderError(this.path, 'bad protobuf varint (not a SentencePiece model?)');
    }
  }

  /** Skips a field of `wire` type, or returns the [start, end) of a length-delimited one. */
  field(wire: number): [number, number] | undefined {
    const need = (n: number) => {
      if (this.pos + n > this.end)
        throw folderError(this.path, 'truncated protobuf (not a SentencePiece model?)');
      this.pos += n;
    };
    if (wire === 0) this.varint();
    else if (wire === 1) need(8);
    else if (wire === 5) need(4);
    else if (wire === 2) {
      const length = this.varint();
      const start = this.pos;
      need(length);
      return [start, start + length];
    } else
      throw folderError(this.path, `unsupported protobuf wire type ${wire} (not a SentencePiece model?)`);
    return undefined;
  }
}

function parsePiece(bytes: Uint8Array, path: string, start: number, end: number): SentencePiece {
  const r = new Reader(bytes, path, start, end);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SentencePiece = { piece: '', score: 0, type: 1 };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (r.pos < end) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 2 && wire === 5) {
      out.score = view.getFloat32(r.pos, true);
      r.field(5);
    } else if (field === 3 && wire === 0) out.type = r.varint();
    else {
      const span = r.field(wire);
      if (field === 1 && span !== undefined) out.piece = decoder.decode(bytes.subarray(span[0], span[1]));
    }
  }
  return out;
}

/** Decodes the pieces of a serialized `ModelProto`, in id order. */
export function parseSentencePieceModel(bytes: Uint8Array, path: string): SentencePiece[] {
  const r = new Reader(bytes, path, 0, bytes.length);
  const pieces: SentencePiece[] = [];
  try {
    while (r.pos < bytes.length) {
      const key = r.varint();
      const span = r.field(key % 8);
      if (Math.floor(key / 8) === 1 && span !== undefined)
        pieces.push(parsePiece(bytes, path, span[0], span[1]));
    }
  } catch (err) {
    if (err instanceof TypeError) throw folderError(path, 'a piece is not valid UTF-8', err);
    throw err;
  }
  if (pieces.length === 0) throw folderError(path, 'no pieces (not a SentencePiece model?)');
  return pieces;
}
