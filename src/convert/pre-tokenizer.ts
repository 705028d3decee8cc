/**
 * `tokenizer.ggml.pre` for a byte-level BPE tokenizer.json. llama.cpp's converter identifies the pre-tokenizer by
 * hashing how the HF tokenizer splits a fixed text (`get_vocab_base_pre`); without the `tokenizers` library we read
 * the pre-tokenizer itself instead: the regex of its `Split` step, or a plain GPT-2 `ByteLevel` step, must be one
 * llama.cpp implements (llama-vocab.cpp), else the conversion is refused rather than tokenizing differently.
 */

// tokenizer.json `Split` regexes → the llama.cpp pre-tokenizer that applies the same regex.
const SPLIT_REGEXES: ReadonlyArray<readonly [string, string]> = [
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    'llama-bpe', // Llama 3
  ],
  [
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    'qwen2', // Qwen2, Qwen2.5, Qwen3
  ],
];

/** The known pre-tokenizer names this module can detect. */
export const KNOWN_PRE_TOKENIZERS = ['gpt-2', ...SPLIT_REGEXES.map(([, name]) => name)];

type Json = Record<string, unknown>;

function steps(pre: unknown): Json[] {
  if (typeof pre !== 'object' || pre === null) return [];
  const p = pre as Json;
  return p.type === 'Sequence' && Array.isArray(p.pretokenizers) ? (p.pretokenizers as Json[]) : [p];
}

/** Whether the tokenizer is GPT-2 byte-level (a ByteLevel pre-tokenizer or decoder). */
export function isByteLevel(tokenizer: Json): boolean {
  const decoder = tokenizer.decoder as Json | undefined;
  return steps(tokenizer.pre_tokenizer).some((s) => s.type === 'ByteLevel') || decoder?.type === 'ByteLevel';
}

/** The llama.cpp pre-tokenizer name, or `undefined` when the pre-tokenizer is not one we can identify. */
export function preTokenizerName(tokenizer: Json): string | undefined {
  const list = steps(tokenizer.pre_tokenizer);
  const splits = list.filter((s) => s.type === 'Split');
  const byteLevel = list.filter((s) => s.type === 'ByteLevel');
  if (splits.length === 0 && byteLevel.length === 1 && list.length === 1)
    return byteLevel[0]!.use_regex === false || byteLevel[0]!.add_prefix_space === true ? undefined : 'gpt-2';
  if (splits.length !== 1 || byteLevel.length !== 1 || list.length !== 2) return undefined;
  if (byteLevel[0]!.use_regex !== false) return undefined; // a second regex split would change the pieces
  const pattern = (splits[0]!.pattern as Json | undefined)?.Regex;
  return SPLIT_REGEXES.find(([regex]) => regex === pattern)?.[1];
}
