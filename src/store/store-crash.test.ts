/**
 * Crash consistency: a child process runs create/delete/gc on a real store and is SIGKILLed at many moments
 * (startup, hashing, mid-copy, text layers, manifest write, delete, gc). After every kill the store on disk must
 * be consistent: every manifest's blobs exist with the right size and hash, no blob has a wrong name; after
 * reopening no temp file remains; and the next create succeeds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeModelPath } from '../../test/fixtures/index.js';
import { checkStoreConsistency, ModelStore } from './index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const storeModule = pathToFileURL(join(repoRoot, 'src/store/index.ts')).href;

// The child: open the store, create m<i> from its own GGUF copy, delete m<i-1>, gc. Each step prints a JSON line.
const CHILD = `
const { ModelStore } = await import(${JSON.stringify(storeModule)});
const a = JSON.parse(process.env.CRASH_ARGS);
const say = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
const store = await ModelStore.open(a.root);
say({ status: 'opened' });
await store.create(a.name, 'FROM ' + a.gguf + '\\nSYSTEM crash test ' + a.name + '\\nPARAMETER temperature 0.1\\nLICENSE x', {
  baseDir: a.dir,
  onProgress: (p) => say(p),
});
if (a.previous) { await store.delete(a.previous); say({ status: 'deleted' }); }
await store.gc();
say({ status: 'done' });
`;

type Trigger =
  | { label: string; when: (e: { status: string; completed?: number; total?: number }) => boolean }
  | { label: string; afterOpenMs: number };

const TRIGGERS: Trigger[] = [
  { label: 'right after open', when: (e) => e.status === 'opened' },
  { label: 'parsing', when: (e) => e.status === 'parsing modelfile' },
  { label: 'copy 1%', when: (e) => e.status.startsWith('copying') && (e.completed ?? 0) > 0 },
  {
    label: 'copy 30%',
    when: (e) => e.status.startsWith('copying') && (e.completed ?? 0) >= 0.3 * (e.total ?? 1),
  },
  {
    label: 'copy 80%',
    when: (e) => e.status.startsWith('copying') && (e.completed ?? 0) >= 0.8 * (e.total ?? 1),
  },
  { label: 'copy done', when: (e) => e.status.startsWith('copying') && e.completed === e.total },
  { label: 'model layer', when: (e) => e.status.startsWith('creating new layer') },
  { label: 'writing manifest', when: (e) => e.status === 'writing manifest' },
  { label: 'success', when: (e) => e.status === 'success' },
  { label: 'deleted', when: (e) => e.status === 'deleted' },
  // Timed kills land anywhere, hashing included (which reports no progress).
  { label: '5ms after open', afterOpenMs: 5 },
  { label: '20ms after open', afterOpenMs: 20 },
  { label: '40ms after open', afterOpenMs: 40 },
  { label: '80ms after open', afterOpenMs: 80 },
  { label: '150ms after open', afterOpenMs: 150 },
  { label: '300ms after open', afterOpenMs: 300 },
];

let dir: string;
let root: string;
let big: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-crash-'));
  root = join(dir, 'models');
  big = await largeModelPath({ params: 20e6, vocabSize: 8000, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 1408 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the big GGUF with `tag` appended after the tensor data: still valid, but a new digest each time. */
async function uniqueGguf(tag: string): Promise<string> {
  const path = join(dir, `big-${tag}.gguf`);
  await copyFile(big, path);
  const handle = await open(path, 'a');
  await handle.write(Buffer.from(tag.padEnd(32, '.')));
  await handle.close();
  return path;
}

/** Run the child until `trigger` fires, then SIGKILL it. Resolves with what it printed last. */
function runAndKill(
  args: Record<string, unknown>,
  trigger: Trigger,
): Promise<{ last: string; killed: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD],
      {
        cwd: repoRoot,
        env: { ...process.env, CRASH_ARGS: JSON.stringify(args) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let last = '';
    let stderr = '';
    let buffer = '';
    let killed = false;
    const kill = (): void => {
      if (!killed) killed = child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const event = JSON.parse(line) as { status: string };
        last = event.status;
        if ('when' in trigger && trigger.when(event)) kill();
        if ('afterOpenMs' in trigger && event.status === 'opened')
          timer = setTimeout(kill, trigger.afterOpenMs);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' || code === 0) resolvePromise({ last, killed: signal === 'SIGKILL' });
      else reject(new Error(`child failed (${String(code)}): ${stderr}`));
    });
  });
}

describe('store crash consistency', () => {
  it('stays consistent when create/delete/gc are SIGKILLed at any moment', { timeout: 240_000 }, async () => {
    let previous: string | undefined;
    const outcomes: string[] = [];
    let leftTemp = 0;
    for (const [i, trigger] of TRIGGERS.entries()) {
      const name = `m${i}`;
      const gguf = await uniqueGguf(name);
      const { last, killed } = await runAndKill({ root, dir, gguf, name, previous }, trigger);
      outcomes.push(`${trigger.label}: ${killed ? 'killed after' : 'finished at'} "${last}"`);

      const before = await checkStoreConsistency(root);
      expect(before.problems, `after kill at ${trigger.label}`).toEqual([]);
      if (before.tempFiles.length > 0) leftTemp++;

      const store = await ModelStore.open(root);
      const after = await checkStoreConsistency(root);
      expect(after.ok).toBe(true);
      expect(after.tempFiles, `temp files after reopening (kill at ${trigger.label})`).toEqual([]);
      // Whatever survived is fully usable.
      for (const m of await store.list()) expect((await store.get(m.name))?.modelPath).toBeDefined();
      const created = await store.get(name);
      if (created !== undefined) {
        expect(created.system).toBe(`crash test ${name}`);
        previous = name;
      }
      await store.close();
      await rm(gguf, { force: true });
    }
    // The kills must have landed in different phases, not all before the store was even opened.
    expect(outcomes.filter((o) => o.includes('killed after "copying')).length).toBeGreaterThan(2);
    // …and some of them mid-write, leaving temp files for startup cleanup to remove.
    expect(leftTemp).toBeGreaterThan(0);

    const store = await ModelStore.open(root);
    await store.create('fresh', `FROM ${big}`, { baseDir: dir });
    expect((await store.show('fresh')).details.family).toBe('llama');
    await store.gc();
    const final = await checkStoreConsistency(root);
    expect(final).toMatchObject({ ok: true, tempFiles: [] });
    await store.close();
    console.info(`${outcomes.join('\n')}\nkills that left temp files: ${leftTemp}`);
  });
});
