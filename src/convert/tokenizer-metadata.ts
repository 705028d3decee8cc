/**
 * The `tokenizer.*` metadata of a Hugging Face folder. Like llama.cpp's converter for llama-family models, a
 * SentencePiece `tokenizer.model` is preferred when present; otherwise `tokenizer.json` must be a byte-level BPE.
 * Anything else (WordPiece, Unigram JSON, SentencePiece-style BPE JSON alone, no tokenizer) is refused by name.
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { bpeVocab, type Vocab } from './bpe-vocab.js';
import { folderError } from './folder-error.js';
import { findNumber, readJsonObject, type HfConfig } from './hf-config.js';
import { specialTokenMetadata } from './special-tokens.js';
import { spmVocab } from './spm-vocab.js';
import type { Metadata } from './text-metadata.js';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false; // absent or unreadable: treated as absent
}

/** Tokenizer metadata and the vocabulary size (the number of token rows the model must have). */
export async function tokenizerMetadata(
  dir: string,
  config: HfConfig,
): Promise<{ metadata: Metadata; vocabSize: number }> {
  const vocabSize = findNumber(config, ['vocab_size']);
  const tokenizer = await readJsonObject(dir, 'tokenizer.json');
  let vocab: Vocab;
  if (await exists(join(dir, 'tokenizer.model'))) vocab = await spmVocab(dir, vocabSize);
  else if (tokenizer !== undefined) vocab = bpeVocab(join(dir, 'tokenizer.json'), tokenizer, vocabSize);
  else
    throw folderError(
      dir,
      'no tokenizer: expected tokenizer.json (byte-level BPE) or tokenizer.model (SentencePiece)',
    );
  const special = await specialTokenMetadata(dir, config, tokenizer, vocab.idOf, vocab.size);
  return { metadata: { ...vocab.metadata, ...special }, vocabSize: vocab.size };
}
