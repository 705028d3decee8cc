/**
 * `config.json` of a Hugging Face model, read as llama.cpp's converter reads it (`ModelBase.load_hparams`,
 * `TextModel.__init__`): a `text_config` is lifted to the top level, and hyper-parameters are looked up under
 * several historical names.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './fs-errors.js';
import { folderError } from './folder-error.js';

/** A parsed `config.json` (with `text_config` merged in) and where it came from. */
export interface HfConfig {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Reads `<dir>/<name>` as a JSON object, or `undefined` when the file does not exist. */
export async function readJsonObject(
  dir: string,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw folderError(path, 'cannot read the file', err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw folderError(path, 'not valid JSON', err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw folderError(path, 'not a JSON object');
  return value as Record<string, unknown>;
}

/** Reads `<dir>/config.json`; throws `INVALID_MODEL_FOLDER` when it is missing or not an object. */
export async function readHfConfig(dir: string): Promise<HfConfig> {
  const path = join(dir, 'config.json');
  const raw = await readJsonObject(dir, 'config.json');
  if (raw === undefined) throw folderError(path, 'missing (a Hugging Face model folder needs config.json)');
  const text = raw.text_config;
  const values = typeof text === 'object' && text !== null ? { ...raw, ...text } : raw;
  return { path, values };
}

/** The first of `keys` that holds a number, or `undefined`. */
export function findNumber(config: HfConfig, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = config.values[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** The first of `keys` that holds a number; throws naming the keys when none does. */
export function requireNumber(config: HfConfig, keys: readonly string[]): number {
  const value = findNumber(config, keys);
  if (value === undefined) throw folderError(config.path, `no number for ${keys.join(' / ')}`);
  return value;
}

/** The `architectures[0]` class name (`LlamaForCausalLM`), or throws when absent. */
export function hfArchitecture(config: HfConfig): string {
  const list = config.values.architectures;
  const first = Array.isArray(list) ? (list[0] as unknown) : undefined;
  if (typeof first !== 'string')
    throw folderError(config.path, 'no "architectures" entry naming the model class');
  return first;
}
