import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
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

// The files of a Hugging Face folder the server's converter reads (docs/convert.md); others are not sent.
const MODEL_FILES = [
  'config.json',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer.model',
  'tokenizer_config.json',
  'generation_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'chat_template.jinja',
  'chat_template.json',
];
const ADAPTER_FILES = ['adapter_config.json', 'adapter_model.safetensors'];

/** Names of the files of folder `dir` to upload: `adapter` a PEFT adapter folder, else a model folder. */
async function folderFiles(dir: string, adapter: boolean): Promise<string[]> {
  const present = new Set(await readdir(dir));
  if (adapter) return ADAPTER_FILES.filter((n) => present.has(n));
  const names = MODEL_FILES.filter((n) => present.has(n));
  const index = join(dir, 'model.safetensors.index.json');
  // With an index, exactly the shards it names (the converter's rule); else every *.safetensors file.
  const shards = present.has('model.safetensors.index.json')
    ? Object.values(
        (JSON.parse(await readFile(index, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ??
          {},
      )
    : [...present].filter((n) => n.endsWith('.safetensors'));
  return [...names, ...new Set(shards)];
}

/** Upload the files of a Hugging Face folder; returns Ollama's `files` map (name → digest). */
async function uploadFolder(
  client: Client,
  dir: string,
  adapter: boolean,
  progress: ProgressPrinter,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await folderFiles(dir, adapter)) {
    if (basename(name) !== name || name.startsWith('.'))
      throw new UsageError(`${dir}: the shard index names ${JSON.stringify(name)}, not a file of the folder`);
    out[name] = await uploadFile(client, join(dir, name), progress);
  }
  return out;
}

interface UploadedReferences {
  instructions: ModelfileInstruction[];
  /** A Hugging Face model folder FROM names, uploaded (the Modelfile then has no FROM). */
  files?: Record<string, string>;
  /** A PEFT adapter folder an ADAPTER names, uploaded. */
  adapters?: Record<string, string>;
}

/**
 * Replace FROM/ADAPTER file paths by the digests of the uploaded files, and upload Hugging Face folders file by
 * file (Ollama's `files`/`adapters` maps), so the server may be remote. With `link` (server on this machine,
 * admin role), GGUF files and folders are sent as absolute paths instead.
 */
async function uploadReferencedFiles(
  client: Client,
  instructions: ModelfileInstruction[],
  baseDir: string,
  progress: ProgressPrinter,
  link: boolean,
): Promise<UploadedReferences> {
  const out: UploadedReferences = { instructions: [] };
  for (const i of instructions) {
    if ((i.kind === 'from' || i.kind === 'adapter') && !i.value.startsWith('sha256:')) {
      const path = resolvePath(i.value, baseDir);
      if (existsSync(path) && statSync(path).isFile()) {
        // --link: the server records the file where it is (same machine), so send its absolute path.
        out.instructions.push({ ...i, value: link ? path : await uploadFile(client, path, progress) });
        continue;
      }
      if (existsSync(path) && statSync(path).isDirectory()) {
        if (link)
          out.instructions.push({ ...i, value: path }); // converted by the server from where it is
        else if (i.kind === 'from') out.files = await uploadFolder(client, path, false, progress);
        else if (out.adapters !== undefined)
          throw new UsageError(
            'only one ADAPTER folder can be uploaded per create (convert the others first)',
          );
        else out.adapters = await uploadFolder(client, path, true, progress);
        continue;
      }
      if (PATHLIKE.test(i.value)) {
        throw new UsageError(`${i.kind.toUpperCase()} ${i.value}: file ${path} does not exist`);
      }
    }
    out.instructions.push(i);
  }
  return out;
}

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a model from a Modelfile',
  usage:
    'corral create MODEL [-f Modelfile] [--link] [-q f16|bf16|f32|q8_0|q4_0]\n\n' +
    '-q      weight type when FROM is a Hugging Face safetensors folder (uploaded, converted on the server)\n' +
    '--link  keep GGUF files where they are instead of copying them into the store, and have the server read\n' +
    '        Hugging Face folders in place instead of uploading them (server on this machine, admin role);\n' +
    '        a linked file is checked for changes before each load',
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
      const { instructions, files, adapters } = await uploadReferencedFiles(
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
          ...(files === undefined ? {} : { files }),
          ...(adapters === undefined ? {} : { adapters }),
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
