/** File-system error tests shared by the readers. */

/** True for "no such file" errors (ENOENT, ENOTDIR). */
export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
