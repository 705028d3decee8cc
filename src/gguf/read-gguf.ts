/** Reads a GGUF file's metadata and tensor index from disk, streaming through a file handle. */
import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from '../core/index.js';
import { parseGguf, type GgufFile, type ReadGgufOptions } from './parse-gguf.js';

async function openFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AppError('FILE_NOT_FOUND', `${path}: cannot open GGUF file (${code})`, { cause: err });
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new AppError('FILE_NOT_FOUND', `${path}: not a regular file`);
  }
  return { handle, size: stat.size };
}

/**
 * Reads the header, metadata and tensor infos of the GGUF file at `path` (tensor data is never read: a multi-GB
 * model costs a few MB of reads). Throws `INVALID_GGUF` naming the file and the problem for anything malformed —
 * wrong magic, unsupported version, truncation anywhere (tensor data included), absurd counts, unknown types,
 * misaligned offsets — and `FILE_NOT_FOUND` when the file cannot be opened.
 */
export async function readGguf(path: string, options?: ReadGgufOptions): Promise<GgufFile> {
  const { handle, size } = await openFile(path);
  try {
    return await parseGguf(
      {
        size,
        read: async (buffer, offset, length, position) =>
          (await handle.read(buffer, offset, length, position)).bytesRead,
      },
      path,
      options,
    );
  } finally {
    await handle.close();
  }
}
