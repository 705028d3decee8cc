/** In-process CLI harness: captured output streams and an environment pointing at a test server. */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run-cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Run `corral <argv>` in-process with `env` (e.g. `CORRAL_HOST` of a test server) and `cwd`. */
export async function runCorral(
  argv: string[],
  env: Record<string, string>,
  cwd = process.cwd(),
  stdin?: string,
): Promise<CliResult> {
  const out = capture();
  const err = capture();
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    stdin: stdin === undefined ? new PassThrough() : PassThrough.from([stdin]),
    env,
    cwd,
    interrupted: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.text(), stderr: err.text() };
}
