/**
 * Draft models for speculative decoding (`PARAMETER draft_model <name>`): the named model must exist in the store
 * and share the target's vocabulary, or llama.cpp refuses it at the first generation (its
 * `common_speculative_are_compatible` check: vocabulary type, BOS/EOS, token texts). Checked when a model is
 * created and again when it is resolved for inference (the draft may have been deleted or re-created since).
 */
import { createHash } from 'node:crypto';
import { AppError, tryParseModelName } from '../core/index.js';
import { readGguf, type GgufFile } from '../gguf/index.js';
import type { Parameters } from './model-parameters.js';

/** `draft_p_min` when a Modelfile does not set it: node-llama-cpp's default minimum draft confidence. */
export const DEFAULT_DRAFT_MIN_CONFIDENCE = 0.6;

/** The parts of a GGUF tokenizer that a draft model must share with its target. */
export interface Vocabulary {
  /** `tokenizer.ggml.model` (`gpt2`, `llama`, …). */
  model: string;
  /** Number of entries of `tokenizer.ggml.tokens`. */
  size: number;
  /** sha256 of the token texts, in id order (comparing digests compares every token). */
  digest: string;
  bos: number | undefined;
  eos: number | undefined;
}

/** The vocabulary facts of a GGUF file. */
export function vocabularyOf(file: GgufFile): Vocabulary {
  const meta = file.metadata;
  const tokens = meta['tokenizer.ggml.tokens'];
  const list = Array.isArray(tokens) ? tokens.map(String) : [];
  const id = (key: string): number | undefined => {
    const v = meta[key];
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };
  const model = meta['tokenizer.ggml.model'];
  return {
    model: typeof model === 'string' ? model : '',
    size: list.length,
    digest: createHash('sha256').update(JSON.stringify(list)).digest('hex'),
    bos: id('tokenizer.ggml.bos_token_id'),
    eos: id('tokenizer.ggml.eos_token_id'),
  };
}

/** Why `draft` cannot draft for `target`, or `undefined` when it can. */
export function vocabularyMismatch(target: Vocabulary, draft: Vocabulary): string | undefined {
  if (draft.model !== target.model)
    return `its tokenizer type is "${draft.model}", the model's is "${target.model}"`;
  if (draft.size !== target.size)
    return `its vocabulary has ${draft.size} tokens, the model's has ${target.size}`;
  if (draft.digest !== target.digest) return 'its vocabulary has different tokens';
  if (draft.bos !== target.bos || draft.eos !== target.eos)
    return `its BOS/EOS tokens (${draft.bos}/${draft.eos}) differ from the model's (${target.bos}/${target.eos})`;
  return undefined;
}

/** The draft settings of a parameter set: the draft model's name and minimum confidence, if one is named. */
export function draftParameters(params: Parameters): { name: string; minConfidence: number } | undefined {
  const name = params.draft_model;
  if (typeof name !== 'string' || name === '') return undefined;
  const p = params.draft_p_min;
  const minConfidence = typeof p === 'number' ? Math.min(1, Math.max(0, p)) : DEFAULT_DRAFT_MIN_CONFIDENCE;
  return { name, minConfidence };
}

/** The canonical name of a `draft_model` value; `INVALID_REQUEST` when it is no model name. */
export function draftModelName(value: string): string {
  const name = tryParseModelName(value);
  if (name === undefined)
    throw new AppError('INVALID_REQUEST', `draft_model ${JSON.stringify(value)} is not a valid model name`);
  return name.toString();
}

/** `MODEL_NOT_FOUND` naming the draft and the model that wants it. */
export function draftNotFound(draft: string, model: string): AppError {
  return new AppError(
    'MODEL_NOT_FOUND',
    `draft model ${draft} (PARAMETER draft_model of ${model}) not found; pull or create it first`,
    { details: { model: draft } },
  );
}

/** Throws `INVALID_REQUEST` when `draft` cannot draft for `target`. */
export function checkDraftVocabulary(
  model: string,
  draftName: string,
  target: Vocabulary,
  draft: Vocabulary,
): void {
  const reason = vocabularyMismatch(target, draft);
  if (reason === undefined) return;
  throw new AppError(
    'INVALID_REQUEST',
    `draft model ${draftName} cannot draft for ${model}: ${reason} (a draft model must use the same tokenizer)`,
    { details: { model, draft: draftName } },
  );
}

/**
 * Checks the draft model that a new model's parameters name, for `create`: `draft_p_min` is in [0, 1] and the draft
 * exists (`MODEL_NOT_FOUND`). Returns the vocabulary check to run on the new model's GGUF, or `undefined` when the
 * parameters name no draft.
 */
export async function checkDraftForCreate(
  model: string,
  params: Parameters,
  getModel: (
    name: string,
  ) => Promise<{ name: { display: string }; modelPath: string | undefined } | undefined>,
): Promise<((target: GgufFile) => void) | undefined> {
  const p = params.draft_p_min;
  if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1)))
    throw new AppError(
      'INVALID_REQUEST',
      `draft_p_min must be a number from 0 to 1, got ${JSON.stringify(p)}`,
    );
  const wanted = draftParameters(params);
  if (wanted === undefined) return undefined;
  const draft = await getModel(draftModelName(wanted.name));
  if (draft?.modelPath === undefined) throw draftNotFound(wanted.name, model);
  const drafted = vocabularyOf(await readGguf(draft.modelPath));
  return (target) => checkDraftVocabulary(model, draft.name.display, vocabularyOf(target), drafted);
}
