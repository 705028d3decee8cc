/**
 * The safetensors weights of a Hugging Face folder: one `model.safetensors`, shards listed in
 * `model.safetensors.index.json` (`weight_map`: tensor → file), or (no index) every `*.safetensors` file. Headers
 * are read up front; tensor bytes are read on demand with positioned reads, so a model is never held in memory.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from './fs-errors.js';
import { folderError } from './folder-error.js';
import { readJsonObject } from './hf-config.js';
import { readSafetensorsHeader, type SafetensorsTensor } from './safetensors-header.js';

async function readIndex(dir: string, name: string): Promise<Map<string, string> | undefined> {
  const path = join(dir, name);
  const index = await readJsonObject(dir, name);
  if (index === undefined) return undefined;
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null) throw folderError(path, 'the shard index has no weight_map');
  const out = new Map<string, string>();
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file.startsWith('.'))
      throw folderError(path, `weight_map names an invalid file for '${tensor}'`);
    out.set(tensor, file);
  }
  return out;
}

/** Files holding the weights, and (with an index) which tensor each file must hold. */
async function weightFiles(
  dir: string,
  prefix: string,
): Promise<{ files: string[]; index?: Map<string, string> }> {
  const index = await readIndex(dir, `${prefix}.safetensors.index.json`);
  if (index !== undefined) return { files: [...new Set(index.values())].sort(), index };
  const names = (await readdir(dir)).filter((n) => n.endsWith('.safetensors')).sort();
  if (names.includes(`${prefix}.safetensors`)) return { files: [`${prefix}.safetensors`] };
  if (names.length === 0)
    throw folderError(dir, 'no .safetensors files (only safetensors weights are supported)');
  return { files: names };
}

export class SafetensorsFolder {
  readonly #handles = new Map<string, FileHandle>();
  readonly tensors = new Map<string, SafetensorsTensor>();

  private constructor(readonly dir: string) {}

  /** Opens the weights of `dir` (`prefix` is `model`, or `adapter_model` for a PEFT adapter). */
  static async open(dir: string, prefix = 'model'): Promise<SafetensorsFolder> {
    const folder = new SafetensorsFolder(dir);
    try {
      await folder.#load(prefix);
    } catch (err) {
      await folder.close();
      throw err;
    }
    return folder;
  }

  async #load(prefix: string): Promise<void> {
    const { files, index } = await weightFiles(this.dir, prefix);
    for (const file of files) {
      const path = join(this.dir, file);
      let handle: FileHandle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        if (isNotFound(err)) throw folderError(path, 'missing shard (named in the shard index)', err);
        throw folderError(path, 'cannot open the shard', err);
      }
      this.#handles.set(path, handle);
      const { size } = await handle.stat();
      for (const t of await readSafetensorsHeader(handle, path, size)) {
        if (index !== undefined && index.get(t.name) !== file) continue; // the index is authoritative
        if (this.tensors.has(t.name)) throw folderError(path, `tensor '${t.name}' is also in another shard`);
        this.tensors.set(t.name, t);
      }
    }
    for (const [name, file] of index ?? [])
      if (!this.tensors.has(name))
        throw folderError(
          join(this.dir, file),
          `tensor '${name}' is in the shard index but not in the shard`,
        );
  }

  /** Reads `length` bytes at `offset` within tensor `t` into `into` (at 0); throws if the file got shorter. */
  async read(t: SafetensorsTensor, offset: number, length: number, into: Uint8Array): Promise<void> {
    const handle = this.#handles.get(t.file);
    if (handle === undefined) throw new Error(`safetensors file ${t.file} is not open`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(into, done, length - done, t.start + offset + done);
      if (bytesRead === 0) throw folderError(t.file, `truncated while reading tensor '${t.name}'`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((h) => h.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
