import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Client } from '../../api/index.js';
import { parseModelName } from '../../core/index.js';
import { readGguf } from '../../gguf/index.js';
import { hashFile, parseModelfile, renderModelfile, type ModelfileInstruction } from '../../store/index.js';
import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { clientFor, UsageError } from '../io.js';
import { ProgressPrinter } from '../progress.js';

const PATHLIKE = /^(\.{1,2}[/\\]|[/\\]|~[/\\]?)|\.gguf$/i;

function resolvePath(value: string, baseDir: string): string {
  if (value === '~' || value.startsWith('~/')) return join(homedir(), value.slice(1));
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

/** Upload a local file unless the server already has it; returns its digest. */
async function uploadFile(client: Client, path: string, progress: ProgressPrinter): Promise<string> {
  // Reject a truncated or garbage GGUF here, before a byte is sent (the server checks again at create).
  if (path.toLowerCase().endsWith('.gguf')) await readGguf(path);
  const { digest, size } = await hashFile(path);
  if (!(await client.hasBlob(digest))) {
    progress.update({ status: `copying file ${digest}`, total: size, completed: 0 });
    async function* counted(): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        progress.update({ status: `copying file ${digest}`, total: size, completed: sent });
        yield chunk;
      }
    }
    await client.pushBlob(digest, Readable.toWeb(Readable.from(counted())) as ReadableStream<Uint8Array>);
  }
  progress.update({ status: `copying file ${digest}`, total: size, completed: size });
  return digest;
}

/** Replace FROM/ADAPTER file paths by the digests of the uploaded files, so the server may be remote. */
async function uploadReferencedFiles(
  client: Client,
  instructions: ModelfileInstruction[],
  baseDir: string,
  progress: ProgressPrinter,
  link: boolean,
): Promise<ModelfileInstruction[]> {
  const out: ModelfileInstruction[] = [];
  for (const i of instructions) {
    if ((i.kind === 'from' || i.kind === 'adapter') && !i.value.startsWith('sha256:')) {
      const path = resolvePath(i.value, baseDir);
      if (existsSync(path) && statSync(path).isFile()) {
        // --link: the server records the file where it is (same machine), so send its absolute path.
        out.push({ ...i, value: link ? path : await uploadFile(client, path, progress) });
        continue;
      }
      if (i.kind === 'from' && existsSync(path) && statSync(path).isDirectory()) {
        // A Hugging Face folder is converted by the server from where it is (same machine, admin role).
        out.push({ ...i, value: path });
        continue;
      }
      if (PATHLIKE.test(i.value)) {
        throw new UsageError(`${i.kind.toUpperCase()} ${i.value}: file ${path} does not exist`);
      }
    }
    out.push(i);
  }
  return out;
}

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a model from a Modelfile',
  usage:
    'corral create MODEL [-f Modelfile] [--link] [-q f16|bf16|f32|q8_0|q4_0]\n\n' +
    '-q      weight type when FROM is a Hugging Face safetensors folder (converted on the server)\n' +
    '--link  keep GGUF files where they are instead of copying them into the store (server on this machine,\n' +
    '        admin role); the file is checked for changes before each load',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      file: { type: 'string', short: 'f' },
      link: { type: 'boolean' },
      quantize: { type: 'string', short: 'q' },
    });
    const link = values.link === true;
    const [model] = positionals;
    if (model === undefined || positionals.length > 1) throw new UsageError('expected one MODEL name');
    parseModelName(model); // a bad name fails here, before any file is uploaded
    const file = resolve(io.cwd, values.file ?? 'Modelfile');
    if (!existsSync(file)) throw new UsageError(`Modelfile ${file} does not exist (use -f to name one)`);
    const parsed = parseModelfile(await readFile(file, 'utf8'));
    const client = clientFor(io);
    const progress = new ProgressPrinter(io.stdout);
    progress.update({ status: 'gathering model components' });
    try {
      const instructions = await uploadReferencedFiles(
        client,
        parsed.instructions,
        dirname(file),
        progress,
        link,
      );
      await client.create(
        {
          model,
          modelfile: renderModelfile({ instructions }),
          ...(link ? { link } : {}),
          ...(values.quantize === undefined ? {} : { quantize: values.quantize }),
        },
        { onProgress: (p) => progress.update(p) },
      );
    } finally {
      progress.finishLine();
    }
  },
};
