/**
 * Manifests under `<root>/manifests/<host>/<namespace>/<model>/<tag>`, one JSON file per tag (Ollama's layout).
 * Names are compared case-insensitively: a lookup that misses the exact path falls back to a case-insensitive
 * scan, so a store written by Ollama with mixed-case names (`hf.co/Org/Model-GGUF:Q4_K_M`) still resolves.
 */
import { mkdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  AppError,
  type Logger,
  type Manifest,
  type ModelName,
  parseManifest,
  silentLogger,
  tryParseModelName,
} from '../core/index.js';
import { digestOf } from '../lib/index.js';
import { fsyncDir, isTempName, writeFileAtomic } from './atomic-file.js';
import { isNotFound, readdirEntries, readdirOrEmpty } from './fs-util.js';

/** A manifest as read from disk. `digest` is the sha256 of its exact bytes (what Ollama lists). */
export interface StoredManifest {
  name: ModelName;
  manifest: Manifest;
  /** The exact bytes on disk (copies write these, so the digest stays the same). */
  bytes: Uint8Array;
  digest: string;
  modifiedAt: Date;
  path: string;
}

/** The manifest half of the model store. */
export class ManifestStore {
  /** The `manifests/` directory. */
  readonly dir: string;
  readonly #log: Logger;

  constructor(dir: string, logger: Logger = silentLogger) {
    this.dir = dir;
    this.#log = logger;
  }

  /** Create the directory if needed. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** The path a name is stored at (exact case). */
  pathOf(name: ModelName): string {
    return join(this.dir, ...name.pathSegments);
  }

  /** The stored name matching `name` case-insensitively (with the stored case), or `undefined`. */
  async resolve(name: ModelName): Promise<ModelName | undefined> {
    if (await isFile(this.pathOf(name))) return name;
    let dir = this.dir;
    const found: string[] = [];
    for (const segment of name.pathSegments) {
      const entries = await readdirOrEmpty(dir);
      const match = entries.find((e) => e.toLowerCase() === segment.toLowerCase());
      if (match === undefined) return undefined;
      found.push(match);
      dir = join(dir, match);
    }
    if (!(await isFile(dir))) return undefined;
    const [host, namespace, model, tag] = found as [string, string, string, string];
    return tryParseModelName(`${host}/${namespace}/${model}:${tag}`);
  }

  /** Read a manifest; `undefined` when absent, `STORE_CORRUPT` when unreadable. */
  async read(name: ModelName): Promise<StoredManifest | undefined> {
    const stored = await this.resolve(name);
    if (stored === undefined) return undefined;
    const path = this.pathOf(stored);
    let bytes: Buffer;
    let mtime: Date;
    try {
      bytes = await readFile(path);
      mtime = (await stat(path)).mtime;
    } catch (err) {
      if (isNotFound(err)) return undefined; // deleted between resolve and read: absent
      throw err;
    }
    const manifest = parseManifest(bytes, stored.toString());
    return { name: stored, manifest, bytes, digest: digestOf(bytes), modifiedAt: mtime, path };
  }

  /** Atomically write a manifest under the stored case of `name` when one exists. Returns its bytes' digest. */
  async write(name: ModelName, manifest: Manifest | Uint8Array): Promise<string> {
    const bytes =
      manifest instanceof Uint8Array ? manifest : new TextEncoder().encode(JSON.stringify(manifest));
    const target = this.pathOf((await this.resolve(name)) ?? name);
    await writeFileAtomic(target, bytes);
    return digestOf(bytes);
  }

  /** Remove a manifest (durably) and prune empty parent directories. Returns false when it did not exist. */
  async remove(name: ModelName): Promise<boolean> {
    const stored = await this.resolve(name);
    if (stored === undefined) return false;
    const path = this.pathOf(stored);
    try {
      await unlink(path);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    await fsyncDir(dirname(path));
    await this.#prune(dirname(path));
    return true;
  }

  /** Every stored manifest. Files whose path is not a valid name or whose JSON is invalid are logged and skipped. */
  async list(): Promise<StoredManifest[]> {
    const out: StoredManifest[] = [];
    for (const name of await this.names()) {
      try {
        const m = await this.read(name);
        if (m) out.push(m);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'STORE_CORRUPT')) throw err;
        this.#log.warn({ model: name.toString(), err: err.message }, 'skipping corrupt manifest');
      }
    }
    return out;
  }

  /** Names of every manifest file (four levels deep, temp files and invalid paths skipped). */
  async names(): Promise<ModelName[]> {
    const names: ModelName[] = [];
    const walk = async (dir: string, parts: string[]): Promise<void> => {
      const entries = await readdirEntries(dir);
      for (const entry of entries) {
        if (isTempName(entry.name)) continue;
        if (parts.length < 3 && entry.isDirectory())
          await walk(join(dir, entry.name), [...parts, entry.name]);
        if (parts.length === 3 && entry.isFile()) {
          const name = tryParseModelName(`${parts.join('/')}:${entry.name}`);
          if (name) names.push(name);
          else this.#log.warn({ path: join(dir, entry.name) }, 'skipping manifest with invalid name');
        }
      }
    };
    await walk(this.dir, []);
    return names;
  }

  /**
   * Every digest any manifest file mentions. The text is scanned rather than parsed, so even a manifest that
   * fails validation protects the blobs it names from garbage collection.
   */
  async referencedDigests(): Promise<Set<string>> {
    const found = new Set<string>();
    for (const name of await this.names()) {
      let text: string;
      try {
        text = await readFile(this.pathOf(name), 'utf8');
      } catch (err) {
        if (isNotFound(err)) continue; // removed since listed: it references nothing any more
        throw err;
      }
      for (const m of text.matchAll(/sha256[:-]([0-9a-f]{64})/g)) found.add(`sha256:${m[1] as string}`);
    }
    return found;
  }

  /** Paths of temp files anywhere under `manifests/`. */
  async tempFiles(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      const entries = await readdirEntries(dir);
      for (const entry of entries) {
        const p = join(dir, entry.name);
        if (isTempName(entry.name)) found.push(p);
        else if (entry.isDirectory() && depth < 4) await walk(p, depth + 1);
      }
    };
    await walk(this.dir, 0);
    return found;
  }

  // Remove now-empty directories up to (not including) manifests/. ENOTEMPTY means another tag lives there.
  async #prune(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.dir) && d !== this.dir; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || isNotFound(err)) return;
        throw err;
      }
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
