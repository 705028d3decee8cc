import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyModelPath, writeGarbageGguf, writeTruncatedCopy } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let s: TestServer;
let dir: string;

/** Every file under the server's home, to prove a rejected command touched nothing. */
function tree(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'server.log')
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
const blobs = () => readdirSync(join(s.config.models, 'blobs'));

beforeAll(async () => {
  s = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'corral-cli-'));
  copyFileSync(await tinyModelPath(), join(dir, 'tiny.gguf'));
  writeFileSync(
    join(dir, 'Modelfile'),
    'FROM ./tiny.gguf\nPARAMETER temperature 0.5\nPARAMETER num_ctx 512\nSYSTEM """Be brief."""\n',
  );
});
afterAll(() => s.close());

const corral = (...argv: string[]) => runCorral(argv, s.env, dir);

describe('corral create / list / show / cp / rm', () => {
  it('creates a model from a Modelfile next to its GGUF', async () => {
    const r = await corral('create', 'tiny', '-f', join(dir, 'Modelfile'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/copying file sha256:[0-9a-f]{64} 100%/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('success');
  });

  it('lists it like ollama list', async () => {
    const r = await corral('list');
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+ID\s+SIZE\s+MODIFIED$/);
    expect(row).toMatch(/^tiny:latest\s+[0-9a-f]{12}\s+\d+(\.\d)? KB\s+.+ago$/);
  });

  it('shows architecture, parameters, context, embedding length and quantization from the GGUF', async () => {
    const r = await corral('show', 'tiny');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/architecture\s+llama/);
    expect(r.stdout).toMatch(/parameters\s+\d+(\.\d)?K/);
    expect(r.stdout).toMatch(/context length\s+\d+/);
    expect(r.stdout).toMatch(/embedding length\s+64/);
    expect(r.stdout).toMatch(/quantization\s+F32/);
    expect(r.stdout).toMatch(/temperature\s+0\.5/);
    expect(r.stdout).toMatch(/System\n\s+Be brief\./);
    expect((await corral('show', 'tiny', '--system')).stdout).toBe('Be brief.\n');
    expect((await corral('show', 'tiny', '--parameters')).stdout).toMatch(/num_ctx\s+512/);
    expect((await corral('show', 'tiny', '--modelfile')).stdout).toMatch(/^FROM .*sha256-[0-9a-f]{64}$/m);
  });

  it('copies, and rm of the last reference frees the blob', async () => {
    expect((await corral('cp', 'tiny', 'tiny2')).stdout).toBe("copied 'tiny' to 'tiny2'\n");
    expect((await corral('list')).stdout).toMatch(/tiny2:latest/);
    const before = blobs();
    expect((await corral('rm', 'tiny')).stdout).toBe("deleted 'tiny'\n");
    expect(blobs()).toEqual(before);
    expect((await corral('rm', 'tiny2')).stdout).toBe("deleted 'tiny2'\n");
    expect(blobs()).toEqual([]);
    const gone = await corral('rm', 'tiny2');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/not found/);
  });
});

describe('bad names and bad files', () => {
  it.each([
    ['show', '../../etc/passwd'],
    ['show', '/abs/path'],
    ['rm', '../../etc/passwd'],
    ['cp', 'tiny', '../../../tmp/x'],
    ['create', '../evil', '-f', 'Modelfile'],
    ['create', '/abs/path', '-f', 'Modelfile'],
  ])('corral %s %s is rejected and touches no file', async (...argv) => {
    const before = tree(s.home);
    const r = await corral(...argv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid model name/);
    expect(tree(s.home)).toEqual(before);
  });

  it('rejects a truncated or garbage GGUF before uploading anything', async () => {
    await writeTruncatedCopy(join(dir, 'tiny.gguf'), join(dir, 'cut.gguf'), 300);
    await writeGarbageGguf(join(dir, 'garbage.gguf'));
    for (const file of ['cut.gguf', 'garbage.gguf']) {
      writeFileSync(join(dir, `Modelfile.${file}`), `FROM ./${file}\n`);
      const before = tree(s.home);
      const r = await corral('create', 'bad', '-f', `Modelfile.${file}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/GGUF/);
      expect(tree(s.home)).toEqual(before);
    }
  });

  it('says clearly when the server is not running', async () => {
    const r = await runCorral(['list'], { CORRAL_HOST: '127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /could not connect to Corral at http:\/\/127\.0\.0\.1:9: is `corral serve` running\?/,
    );
  });

  it('prints usage for missing arguments and unknown commands', async () => {
    expect((await corral('cp', 'only-one')).code).toBe(2);
    expect((await corral('frobnicate')).code).toBe(2);
    const v = await corral('--version');
    expect(v.stdout).toMatch(/^corral version is \d+\.\d+\.\d+/);
  });
});
