/**
 * A GPT-2 style byte-level BPE `tokenizer.json` → `tokenizer.ggml.model = gpt2` vocabulary, as convert_hf_to_gguf's
 * `get_vocab_base` builds it: ids up to config `vocab_size` (gaps become `[PAD<i>]` unused tokens), added tokens
 * marked control when special (or special-looking) and user-defined otherwise, merges as `"a b"` strings.
 */
import { gguf } from '../gguf/index.js';
import { folderError } from './folder-error.js';
import { KNOWN_PRE_TOKENIZERS, isByteLevel, preTokenizerName } from './pre-tokenizer.js';
import { TokenType, looksSpecial } from './token-type.js';
import type { Metadata } from './text-metadata.js';

type Json = Record<string, unknown>;

/** The vocabulary part of the metadata, and how to find a token's id. */
export interface Vocab {
  metadata: Metadata;
  size: number;
  readonly idOf: (text: string) => number | undefined;
}

function merges(path: string, model: Json): string[] {
  const list = model.merges;
  if (!Array.isArray(list)) throw folderError(path, 'the BPE model has no merges');
  return list.map((m: unknown) => {
    if (typeof m === 'string') return m;
    // transformers >= 4.45 writes pairs, which may contain spaces: gguf-py encodes a space as U+0120.
    if (Array.isArray(m) && m.length === 2 && m.every((s) => typeof s === 'string'))
      return m.map((s: string) => s.replaceAll(' ', '\u0120')).join(' ');
    throw folderError(path, 'unknown merges format');
  });
}

/** Builds the vocabulary of `tokenizer` (parsed tokenizer.json at `path`); `vocabSize` from config.json if set. */
export function bpeVocab(path: string, tokenizer: Json, vocabSize: number | undefined): Vocab {
  const model = (tokenizer.model ?? {}) as Json;
  if (model.type !== 'BPE' && !(model.type === undefined && 'merges' in model))
    throw folderError(
      path,
      `tokenizer model type ${JSON.stringify(model.type)} is not supported yet (BPE only)`,
    );
  if (!isByteLevel(tokenizer) || model.byte_fallback === true)
    throw folderError(
      path,
      'SentencePiece-style BPE tokenizer.json is not supported yet: add the tokenizer.model file to the folder',
    );
  const pre = preTokenizerName(tokenizer);
  if (pre === undefined)
    throw folderError(path, `unknown BPE pre-tokenizer (known: ${KNOWN_PRE_TOKENIZERS.join(', ')})`);

  const byId = new Map<number, string>();
  for (const [token, id] of Object.entries((model.vocab ?? {}) as Record<string, number>))
    byId.set(id, token);
  const added = new Map<number, { content: string; special: boolean }>();
  for (const t of (tokenizer.added_tokens ?? []) as Json[]) {
    if (typeof t.id !== 'number' || typeof t.content !== 'string') continue;
    added.set(t.id, { content: t.content, special: t.special === true });
    byId.set(t.id, t.content);
  }
  const maxId = Math.max(-1, ...byId.keys());
  const size = vocabSize ?? maxId + 1;
  if (maxId >= size) throw folderError(path, `token id ${maxId} is beyond config vocab_size ${size}`);

  const tokens: string[] = [];
  const types: number[] = [];
  for (let i = 0; i < size; i++) {
    const token = byId.get(i);
    const a = added.get(i);
    if (token === undefined) {
      tokens.push(`[PAD${i}]`);
      types.push(TokenType.UNUSED);
    } else if (a !== undefined && (a.special || looksSpecial(a.content))) {
      tokens.push(a.content);
      types.push(TokenType.CONTROL);
    } else if (a !== undefined) {
      tokens.push(a.content.replaceAll('\u2581', ' ')); // llama.cpp expects user-defined tokens pre-normalised
      types.push(TokenType.USER_DEFINED);
    } else {
      tokens.push(token);
      types.push(TokenType.NORMAL);
    }
  }
  const addedIds = new Map([...added].map(([id, a]) => [a.content, id]));
  const vocabIds = new Map([...byId].map(([id, t]) => [t, id]));
  return {
    size,
    idOf: (text) => addedIds.get(text) ?? vocabIds.get(text),
    metadata: {
      'tokenizer.ggml.model': gguf.str('gpt2'),
      'tokenizer.ggml.pre': gguf.str(pre),
      'tokenizer.ggml.tokens': gguf.arr('str', tokens),
      'tokenizer.ggml.token_type': gguf.arr('i32', types),
      'tokenizer.ggml.merges': gguf.arr('str', merges(path, model)),
    },
  };
}
