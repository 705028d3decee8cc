/**
 * Content-addressed blobs under `<root>/blobs/sha256-<hex>` (Ollama's layout). A blob file only ever appears
 * under its final name after its bytes were hashed, checked and fsynced in a temp file beside it, so a blob's
 * name always matches its content, even after a crash. Data is streamed, never held whole in memory.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '../core/index.js';
import { digestHasher, normalizeDigest } from '../lib/index.js';
import { commitTempFile, isTempName, tempPathIn } from './atomic-file.js';
import { isNotFound, readdirOrEmpty } from './fs-util.js';

/** Result of storing a blob. `existed` is true when the store already had it and nothing was written. */
export interface PutResult {
  digest: string;
  size: number;
  existed: boolean;
}

/** Options for blob writes. */
export interface PutOptions {
  /** Called as bytes are written (`total` when known). */
  onProgress?: (completed: number, total?: number) => void;
  /** Extra validation of the complete temp file before it is committed; throw to reject it. */
  check?: (tempPath: string) => Promise<void>;
  /** `putFile` only: called once the source is hashed, before copying (`existed`: nothing will be copied). */
  onHashed?: (digest: string, size: number, existed: boolean) => void;
}

const CHUNK = 1 << 20;

/** The blob half of the model store. */
export class BlobStore {
  /** The `blobs/` directory. */
  readonly dir: string;
  readonly #active = new Set<string>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Create the directory if needed. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Path of a blob (it may not exist). Accepts `sha256:<hex>` or `sha256-<hex>`; throws `INVALID_DIGEST`. */
  path(digest: string): string {
    return join(this.dir, fileName(canonical(digest)));
  }

  /** True when the blob exists. */
  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  /** Size in bytes, or `undefined` when the blob does not exist. */
  async size(digest: string): Promise<number | undefined> {
    try {
      const s = await stat(this.path(digest));
      return s.isFile() ? s.size : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Store a file's content. The file is hashed first (reading only); when the blob already exists nothing is
   * written. Otherwise it is copied into a temp file while hashing again, so a file that changes underneath
   * is detected (`DIGEST_MISMATCH`) instead of stored under a wrong name.
   */
  async putFile(src: string, options: PutOptions = {}): Promise<PutResult> {
    const { digest, size } = await hashFile(src);
    const existed = await this.has(digest);
    options.onHashed?.(digest, size, existed);
    if (existed) return { digest, size, existed };
    return this.#write(createReadStream(src, { highWaterMark: CHUNK }), digest, size, options);
  }

  /** Store a stream; when `expectedDigest` is given the bytes must hash to it (`DIGEST_MISMATCH` otherwise). */
  async putStream(
    stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expectedDigest?: string,
    options: PutOptions = {},
  ): Promise<PutResult> {
    const expected = expectedDigest === undefined ? undefined : canonical(expectedDigest);
    if (expected !== undefined) {
      const size = await this.size(expected);
      if (size !== undefined) return { digest: expected, size, existed: true };
    }
    return this.#write(stream, expected, undefined, options);
  }

  /** Store an in-memory value (small layers: params, template, config). */
  async putBytes(data: Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return this.putStream([bytes], undefined, options);
  }

  /** Re-hash a blob and report whether it matches its name. Throws `BLOB_NOT_FOUND` when absent. */
  async verify(digest: string): Promise<boolean> {
    const want = canonical(digest);
    try {
      return (await hashFile(this.path(want))).digest === want;
    } catch (err) {
      if (err instanceof AppError && err.code === 'FILE_NOT_FOUND') {
        throw new AppError('BLOB_NOT_FOUND', `blob ${want} not found`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Record a file in place instead of copying it (`FROM … --link`): the blob becomes a symbolic link to the
   * file, with a `.link` note of its size and modification time so {@link verifyLink} notices a change. When
   * the store already holds the content, nothing is linked.
   */
  async link(src: string, options: Pick<PutOptions, 'onHashed'> = {}): Promise<PutResult> {
    const target = resolve(src);
    const { digest, size } = await hashFile(target);
    const existed = await this.has(digest);
    options.onHashed?.(digest, size, existed);
    if (existed) return { digest, size, existed };
    await this.init();
    const s = await stat(target);
    const note: LinkNote = { path: target, size: s.size, mtimeMs: s.mtimeMs };
    const temp = tempPathIn(this.dir, 'link');
    this.#active.add(temp);
    try {
      await commitTempFile(await writeTemp(`${temp}.note`, note), `${this.path(digest)}.link`);
      await symlink(target, temp);
      await rename(temp, this.path(digest));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    } finally {
      this.#active.delete(temp);
    }
    return { digest, size, existed: false };
  }

  /**
   * For a linked blob: check that its file still has the linked content (size and mtime as recorded, else a
   * full re-hash). A changed file fails with `STORE_CORRUPT` naming it; a copied blob passes at once.
   */
  async verifyLink(digest: string): Promise<void> {
    const path = this.path(digest);
    if (!(await lstat(path)).isSymbolicLink()) return;
    const note = JSON.parse(await readFile(`${path}.link`, 'utf8')) as LinkNote;
    const s = await stat(path).catch((err: unknown) => {
      throw new AppError('STORE_CORRUPT', `linked model file ${note.path} is gone; re-create the model`, {
        cause: err,
      });
    });
    if (s.size === note.size && s.mtimeMs === note.mtimeMs) return;
    const actual = await hashFile(path);
    if (actual.digest !== canonical(digest)) {
      throw new AppError(
        'STORE_CORRUPT',
        `linked model file ${note.path} changed since it was linked (now ${actual.digest}); re-create the model`,
      );
    }
    await commitTempFile(
      await writeTemp(tempPathIn(this.dir, 'note'), { ...note, size: s.size, mtimeMs: s.mtimeMs }),
      `${path}.link`,
    );
  }

  /** Remove a blob (a link: the link, never the file it points to); returns its size, or `undefined`. */
  async remove(digest: string): Promise<number | undefined> {
    const size = await this.size(digest);
    if (size === undefined && !(await this.#isLink(digest))) return undefined;
    await rm(this.path(digest), { force: true });
    await rm(`${this.path(digest)}.link`, { force: true });
    return size ?? 0;
  }

  async #isLink(digest: string): Promise<boolean> {
    try {
      return (await lstat(this.path(digest))).isSymbolicLink();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Digests of every blob file (names that are not `sha256-<hex>` and temp files are skipped). */
  async list(): Promise<string[]> {
    const names = await readdirOrEmpty(this.dir);
    return names.flatMap((n) =>
      n.startsWith('sha256-') && normalizeDigest(n) ? [normalizeDigest(n) as string] : [],
    );
  }

  /** Paths of temp files left in `blobs/`, excluding those this instance is writing right now. */
  async staleTempFiles(): Promise<string[]> {
    const names = await readdirOrEmpty(this.dir);
    return names
      .filter(isTempName)
      .map((n) => join(this.dir, n))
      .filter((p) => !this.#active.has(p));
  }

  async #write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: string | undefined,
    total: number | undefined,
    options: PutOptions,
  ): Promise<PutResult> {
    await this.init();
    const temp = tempPathIn(this.dir, 'blob');
    this.#active.add(temp);
    try {
      const hasher = digestHasher();
      let size = 0;
      const handle = await open(temp, 'wx', 0o644);
      try {
        for await (const chunk of source) {
          hasher.update(chunk);
          await handle.write(chunk);
          size += chunk.byteLength;
          options.onProgress?.(size, total);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = hasher.digest();
      if (expected !== undefined && digest !== expected) {
        throw new AppError('DIGEST_MISMATCH', `digest mismatch: expected ${expected}, got ${digest}`, {
          details: { expected, actual: digest },
        });
      }
      await options.check?.(temp);
      const existed = await this.has(digest);
      if (existed) await rm(temp, { force: true });
      else await commitTempFile(temp, this.path(digest));
      return { digest, size, existed };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    } finally {
      this.#active.delete(temp);
    }
  }
}

/** What a linked blob's `.link` note records about its file. */
interface LinkNote {
  path: string;
  size: number;
  mtimeMs: number;
}

async function writeTemp(path: string, note: LinkNote): Promise<string> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(note)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return path;
}

/** sha256 and size of a file, streamed. Throws `FILE_NOT_FOUND` when it cannot be opened. */
export async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const hasher = digestHasher();
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      hasher.update(chunk);
      size += chunk.byteLength;
    }
  } catch (err) {
    if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new AppError('FILE_NOT_FOUND', `file ${path} not found or not a regular file`, { cause: err });
    }
    throw err;
  }
  return { digest: hasher.digest(), size };
}

/** File name of a blob: Ollama's `sha256-<hex>`. */
export function fileName(digest: string): string {
  return canonical(digest).replace('sha256:', 'sha256-');
}

function canonical(digest: string): string {
  const d = normalizeDigest(digest);
  if (d === undefined)
    throw new AppError(
      'INVALID_DIGEST',
      `invalid digest ${JSON.stringify(digest)}: expected sha256:<64 hex>`,
    );
  return d;
}
