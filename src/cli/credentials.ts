/**
 * API keys saved by `corral login`, per server URL, in `$CORRAL_HOME/credentials.json` (mode 0600). The CLI
 * sends `CORRAL_API_KEY` when set, else the saved key for the server it talks to.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

type Saved = Record<string, { key: string; name: string }>;

/** The credentials file for `env`. */
export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.CORRAL_HOME || join(homedir(), '.corral'), 'credentials.json');
}

function read(path: string): Saved {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Saved) : {};
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message} (delete it and run corral login)`, {
      cause: err,
    });
  }
}

/** The saved key for `baseUrl`, if any. */
export function savedKey(path: string, baseUrl: string): string | undefined {
  return read(path)[baseUrl]?.key;
}

/** Save (or with `undefined`, forget) the key for `baseUrl`; the file is written atomically, owner-only. */
export function saveKey(
  path: string,
  baseUrl: string,
  entry: { key: string; name: string } | undefined,
): void {
  const saved = read(path);
  if (entry === undefined) delete saved[baseUrl];
  else saved[baseUrl] = entry;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
