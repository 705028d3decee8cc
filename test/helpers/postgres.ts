/**
 * A throwaway PostgreSQL server for the test run: `initdb` into a temporary directory with trust auth, start it
 * on 127.0.0.1 at a free port (unix socket inside the directory), stop it with a fast shutdown and delete the
 * directory at the end. As root, initdb and postgres refuse to run, so they run as the `postgres` system user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running test server. */
export interface TestPostgres {
  /** Superuser URL of the `postgres` database (no password: trust auth on loopback). */
  url: string;
  /** Fast shutdown, then delete the data directory. Idempotent. */
  stop(): Promise<void>;
  /** Stop the server but keep its data (an outage); `resume()` starts it again on the same port. */
  pause(): void;
  resume(): void;
  /** Kill the server as a crash would (immediate shutdown: recent commits may be lost; do not resume). */
  crash(): void;
}

/** Where initdb/pg_ctl live, or why PostgreSQL cannot be used here. */
export type PostgresBinaries = { bindir: string } | { reason: string };

/** Finds the server binaries: `pg_config --bindir`, else the newest `/usr/lib/postgresql/<n>/bin`. */
export function findPostgresBinaries(): PostgresBinaries {
  const candidates: string[] = [];
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  const bindir = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (bindir === undefined) {
    return {
      reason: 'no PostgreSQL server binaries (initdb, pg_ctl) found via pg_config or /usr/lib/postgresql',
    };
  }
  if (process.getuid?.() === 0 && !systemUser()) {
    return { reason: 'running as root and there is no `postgres` system user to run the server as' };
  }
  return { bindir };
}

function systemUser(): { uid: number; gid: number } | undefined {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a fresh server; throws with the server log when it does not come up. */
export async function startPostgres(bindir: string): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bindir, tool), ...args]]
      : [join(bindir, tool), args];
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  const port = await freePort();
  const serverOptions = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  let started = false;
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
    run('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
    started = true;
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`test PostgreSQL did not start: ${stderr}${log}`, { cause: err });
  }
  let stopped = false;
  let paused = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']); // fast: the test server runs with synchronous_commit off
      paused = true;
    },
    crash: () => {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      paused = true;
    },
    resume: () => {
      run('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
      paused = false;
    },
    stop() {
      if (stopped || !started) return Promise.resolve();
      stopped = true;
      try {
        if (!paused) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
}
