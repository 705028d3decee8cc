/**
 * Resolving what `FROM` and `ADAPTER` name, before anything is written: a GGUF file path (absolute, `~/…`, or
 * relative to the Modelfile's directory), a `sha256:` blob already in the store, (FROM only) a Hugging Face model
 * folder (a directory with config.json, converted to GGUF by create), (ADAPTER only) a PEFT LoRA folder
 * (adapter_config.json, converted against the base model by create), or (FROM only) an existing model. Files
 * are validated here (GGUF headers, the adapter config), so a bad file fails the create with nothing written.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { isHfModelFolder, isPeftAdapterFolder, readPeftConfig } from '../convert/index.js';
import { AppError, tryParseModelName } from '../core/index.js';
import { describeGguf, type GgufFile, type ModelDetails, readGguf } from '../gguf/index.js';
import { normalizeDigest } from '../lib/index.js';
import type { BlobStore } from './blob-store.js';
import { isNotFound } from './fs-util.js';
import type { StoredModel } from './stored-model.js';

/** A GGUF source: a file to copy in, or a blob already stored. */
export type GgufSource =
  | { kind: 'file'; path: string; gguf: GgufFile; described: ModelDetails }
  | { kind: 'blob'; digest: string; gguf: GgufFile; described: ModelDetails };

/** What ADAPTER resolved to: a GGUF LoRA, or a PEFT folder to convert for the base model. */
export type AdapterSource = GgufSource | { kind: 'peft-folder'; path: string };

/** What FROM resolved to: a GGUF, a Hugging Face folder to convert, or an existing model. */
export type FromSource =
  GgufSource | { kind: 'hf-folder'; path: string } | { kind: 'model'; model: StoredModel };

/** What resolution needs from the store. */
export interface SourceContext {
  baseDir: string;
  /** False: a path is refused (`FORBIDDEN`) without touching the file system; names and digests still work. */
  allowFiles: boolean;
  blobs: BlobStore;
  getModel(name: string): Promise<StoredModel | undefined>;
}

/** Expand `~`/`~/…`, keep absolute paths, resolve the rest against `baseDir` (as Ollama's `expandPath`). */
export function expandPath(value: string, baseDir: string): string {
  if (value === '~') return homedir();
  if (value.startsWith('~/')) return resolve(homedir(), value.slice(2));
  return isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
}

/** Resolve a FROM value. Order: blob digest, HF folder, existing file, existing model; else a not-found error. */
export async function resolveFrom(value: string, ctx: SourceContext): Promise<FromSource> {
  if (ctx.allowFiles && !/^sha256[:-]/.test(value)) {
    const path = expandPath(value, ctx.baseDir);
    if (await isHfModelFolder(path)) return { kind: 'hf-folder', path };
  }
  const source = await resolveGguf('FROM', value, ctx);
  if (source === undefined) {
    const name = looksLikePath(value) ? undefined : tryParseModelName(value);
    const model = name === undefined ? undefined : await ctx.getModel(name.toString());
    if (model !== undefined) return { kind: 'model', model };
    if (name !== undefined) {
      throw new AppError(
        'MODEL_NOT_FOUND',
        `FROM ${value}: no model named ${name.display} and no such file`,
        {
          details: { model: name.toString() },
        },
      );
    }
    throw notFound('FROM', value, expandPath(value, ctx.baseDir));
  }
  if (source.described.isAdapter) {
    throw new AppError(
      'INVALID_GGUF',
      `FROM ${value}: the file is a LoRA adapter, not a model (use ADAPTER)`,
    );
  }
  return source;
}

/** Resolve an ADAPTER value: a GGUF LoRA adapter file or blob, or a PEFT adapter folder (config checked now). */
export async function resolveAdapter(value: string, ctx: SourceContext): Promise<AdapterSource> {
  if (ctx.allowFiles && !/^sha256[:-]/.test(value)) {
    const path = expandPath(value, ctx.baseDir);
    if (await isPeftAdapterFolder(path)) {
      await readPeftConfig(path);
      return { kind: 'peft-folder', path };
    }
  }
  const source = await resolveGguf('ADAPTER', value, ctx);
  if (source === undefined) throw notFound('ADAPTER', value, expandPath(value, ctx.baseDir));
  if (!source.described.isAdapter) {
    throw new AppError(
      'INVALID_GGUF',
      `ADAPTER ${value}: not a LoRA adapter (general.type is not "adapter")`,
    );
  }
  return source;
}

// A digest must name a stored blob; a path must be a readable regular GGUF file; `undefined` when no file exists.
async function resolveGguf(what: string, value: string, ctx: SourceContext): Promise<GgufSource | undefined> {
  const digest = /^sha256[:-]/.test(value) ? normalizeDigest(value) : undefined;
  if (digest !== undefined) {
    if (!(await ctx.blobs.has(digest)))
      throw new AppError('BLOB_NOT_FOUND', `${what} ${value}: no such blob in the store`);
    const gguf = await readGguf(ctx.blobs.path(digest));
    return { kind: 'blob', digest, gguf, described: describeGguf(gguf) };
  }
  if (!ctx.allowFiles) {
    if (!looksLikePath(value)) return undefined;
    throw new AppError(
      'FORBIDDEN',
      `${what} ${value}: reading files on the server needs the admin role; upload the file as a blob instead (corral create does)`,
    );
  }
  const path = expandPath(value, ctx.baseDir);
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new AppError('FILE_NOT_FOUND', `${what} ${value}: cannot read ${path}`, { cause: err });
  }
  if (!isFile)
    throw new AppError(
      'FILE_NOT_FOUND',
      `${what} ${value}: ${path} is not a regular file (expected a GGUF file, or ${what === 'FROM' ? 'a Hugging Face model folder with config.json' : 'a PEFT adapter folder with adapter_config.json and adapter_model.safetensors'})`,
    );
  const gguf = await readGguf(path);
  return { kind: 'file', path, gguf, described: describeGguf(gguf) };
}

function looksLikePath(value: string): boolean {
  return /^(\.{1,2}[/\\]|[/\\~])/.test(value) || /\.(gguf|bin)$/i.test(value) || value.includes('\\');
}

function notFound(what: string, value: string, path: string): AppError {
  return new AppError('FILE_NOT_FOUND', `${what} ${value}: file ${path} not found`, { details: { path } });
}
