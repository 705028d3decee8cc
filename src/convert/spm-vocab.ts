/**
 * A SentencePiece `tokenizer.model` → `tokenizer.ggml.model = llama` vocabulary with scores and token types, as
 * convert_hf_to_gguf's `_create_vocab_sentencepiece` builds it: ids up to config `vocab_size` (gaps and padding are
 * `[PAD<i>]`, unused, score -1000), then `added_tokens.json` entries (user-defined) and tokenizer_config.json
 * `added_tokens_decoder` entries (control when special or special-looking, else user-defined), both scored -1000.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gguf } from '../gguf/index.js';
import type { Vocab } from './bpe-vocab.js';
import { folderError } from './folder-error.js';
import { readJsonObject } from './hf-config.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { TokenType, looksSpecial } from './token-type.js';

type Json = Record<string, unknown>;

export async function spmVocab(dir: string, vocabSize: number | undefined): Promise<Vocab> {
  const path = join(dir, 'tokenizer.model');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw folderError(path, 'cannot read the SentencePiece model', err);
  }
  const pieces = parseSentencePieceModel(bytes, path);
  const size = vocabSize ?? pieces.length;
  const tokens = Array.from({ length: size }, (_, i) => `[PAD${i}]`);
  const scores = new Array<number>(size).fill(-10000);
  const types = new Array<number>(size).fill(TokenType.UNUSED);
  for (const [i, p] of pieces.slice(0, size).entries()) {
    tokens[i] = p.piece;
    scores[i] = p.score;
    types[i] = p.type >= 1 && p.type <= 6 ? p.type : TokenType.NORMAL;
  }
  const set = (id: number, text: string, type: number) => {
    if (!Number.isInteger(id) || id < 0 || id >= size) return; // llama.cpp ignores out-of-range ids (warning)
    tokens[id] = text;
    scores[id] = -1000;
    types[id] = type;
  };
  for (const [text, id] of Object.entries((await readJsonObject(dir, 'added_tokens.json')) ?? {}))
    if (typeof id === 'number') set(id, text, TokenType.USER_DEFINED);
  const decoder = ((await readJsonObject(dir, 'tokenizer_config.json'))?.added_tokens_decoder ?? {}) as Json;
  for (const [id, entry] of Object.entries(decoder)) {
    const e = entry as Json;
    if (typeof e.content !== 'string') continue;
    if (e.special === true || looksSpecial(e.content)) set(Number(id), e.content, TokenType.CONTROL);
    else set(Number(id), e.content.replaceAll('\u2581', ' '), TokenType.USER_DEFINED);
  }
  const ids = new Map<string, number>();
  tokens.forEach((t, i) => ids.has(t) || ids.set(t, i));
  return {
    size,
    idOf: (text) => ids.get(text),
    metadata: {
      'tokenizer.ggml.model': gguf.str('llama'),
      'tokenizer.ggml.pre': gguf.str('default'),
      'tokenizer.ggml.tokens': gguf.arr('str', tokens),
      'tokenizer.ggml.scores': gguf.arr('f32', scores),
      'tokenizer.ggml.token_type': gguf.arr('i32', types),
    },
  };
}
