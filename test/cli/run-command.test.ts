/** `corral run`: one-shot prompts print a streamed answer; the interactive chat is driven through a real pty. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/api/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { runCorral } from '../helpers/cli-io.js';
import { spawnPty } from '../helpers/pty.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
let s: TestServer;

beforeAll(async () => {
  // A long context, so an uninterrupted answer would take many seconds: Ctrl-C must be what ends it.
  s = await startTestServer({
    CORRAL_THREADS: '1',
    CORRAL_CONTEXT_LENGTH: '16384',
    CORRAL_NUM_PARALLEL: '1',
  });
  await new Client({ baseUrl: s.server.url }).create({
    model: 'tiny',
    modelfile: `FROM ${await tinyModelPath({ eos: 'never', contextLength: 16384 })}\nPARAMETER num_predict 12\nPARAMETER temperature 0\n`,
  });
});
afterAll(() => s.close());

describe('corral run', () => {
  it('prints the streamed answer to a prompt, equal to the API answer, and --verbose statistics', async () => {
    const expected = await new Client({ baseUrl: s.server.url }).chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hello' }],
      stream: false,
    });
    const r = await runCorral(['run', 'tiny', 'hello', '--verbose'], s.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${expected.message.content}\n`);
    expect(r.stderr).toMatch(/eval count:\s+12 token\(s\)/);
    expect(r.stderr).toMatch(/eval rate:\s+[\d.]+ tokens\/s/);
  });

  it('fails clearly for an unknown model', async () => {
    const r = await runCorral(['run', 'missing', 'hi'], s.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"missing.*" not found/);
  });

  it('chats interactively in a terminal: commands, multi-line input, Ctrl-C cancels only the answer', async () => {
    const pty = spawnPty(`${process.execPath} --import tsx ${MAIN} run tiny`, s.env);
    try {
      await pty.expect('>>> ');
      pty.write('/?\r');
      await pty.expect('/bye');
      pty.write('/set parameter num_predict 3\r');
      await pty.expect("Set parameter 'num_predict' to '3'");
      pty.write('hello\r');
      await pty.expect('>>> ');
      pty.write('"""first line\r');
      pty.write('second line"""\r');
      await pty.expect('>>> ');
      pty.write('/show info\r');
      await pty.expect(/architecture\s+llama/);
      pty.write('/clear\r');
      await pty.expect('Cleared session context');
      // A long answer, interrupted: the session goes on.
      pty.write('/set parameter num_predict 100000\r');
      await pty.expect("Set parameter 'num_predict' to '100000'");
      pty.write('tell me everything\r');
      await new Promise((r) => setTimeout(r, 1000));
      pty.write('\x03');
      await pty.expect('>>> ', 5000);
      pty.write('/set parameter num_predict 2\r');
      await pty.expect("Set parameter 'num_predict' to '2'");
      pty.write('still there?\r');
      await pty.expect('>>> ');
      pty.write('/bye\r');
      expect(await pty.exited).toBe(0);
    } finally {
      pty.kill();
    }
  });
});
