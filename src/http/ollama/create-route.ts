/**
 * `POST /api/create`. Accepts Ollama's current structured form (`from`, `files`, `adapters`, `template`,
 * `system`, `parameters`, `messages`, `license`) and the older `modelfile` text; both become one Modelfile
 * that the store builds, streaming progress as NDJSON unless `stream: false`.
 */
import { Hono } from 'hono';
import { createRequestSchema } from '../../api/index.js';
import { AppError, allows } from '../../core/index.js';
import {
  parseModelfile,
  renderModelfile,
  type MessageRole,
  type ModelfileInstruction,
} from '../../store/index.js';
import type { AppDeps } from '../app-deps.js';
import { principalOf } from '../auth-context.js';
import { parseBody } from '../parse-body.js';
import { ndjsonFormat, streamResponse } from '../stream-response.js';

type CreateBody = ReturnType<typeof createRequestSchema.parse>;

const UPLOADED_LABEL = 'uploaded-files';

/**
 * Whether a `files`/`adapters` map holds a Hugging Face safetensors folder (config.json, adapter_config.json or
 * `*.safetensors` among the names): the store converts those; any other map names GGUF files.
 */
export function isSafetensorsFileMap(files: Readonly<Record<string, string>> | undefined): boolean {
  return Object.keys(files ?? {}).some(
    (n) => n === 'config.json' || n === 'adapter_config.json' || n.endsWith('.safetensors'),
  );
}

/** The structured fields as Modelfile instructions (they come after, and so override, a `modelfile` text). */
export function structuredInstructions(req: CreateBody): ModelfileInstruction[] {
  const out: ModelfileInstruction[] = [];
  // Safetensors folders travel as CreateOptions.fromFiles/adapterFiles, not as FROM/ADAPTER values.
  const files = isSafetensorsFileMap(req.files) ? [] : Object.values(req.files ?? {});
  if (files.length > 1) {
    throw new AppError('INVALID_REQUEST', 'files: only one GGUF file per model is supported');
  }
  const from = req.from ?? files[0];
  if (from !== undefined) out.push({ kind: 'from', value: from });
  const adapters = isSafetensorsFileMap(req.adapters) ? [] : Object.values(req.adapters ?? {});
  for (const digest of adapters) out.push({ kind: 'adapter', value: digest });
  if (req.template !== undefined) out.push({ kind: 'template', value: req.template });
  if (req.system !== undefined) out.push({ kind: 'system', value: req.system });
  for (const [key, value] of Object.entries(req.parameters ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) out.push({ kind: 'parameter', key, value: v });
  }
  for (const license of [req.license ?? []].flat()) out.push({ kind: 'license', value: license });
  for (const m of req.messages ?? []) {
    if (!['system', 'user', 'assistant'].includes(m.role)) {
      throw new AppError('INVALID_REQUEST', `messages: role "${m.role}" must be system, user or assistant`);
    }
    out.push({ kind: 'message', role: m.role as MessageRole, content: m.content });
  }
  return out;
}

/**
 * The Modelfile a create request amounts to, and the uploaded Hugging Face folders (`files` / `adapters` maps
 * naming safetensors files) that the store converts; with a model folder, the Modelfile's FROM is a label.
 */
export function createModelfile(req: CreateBody): {
  modelfile: string;
  fromFiles?: Record<string, string>;
  adapterFiles?: Record<string, string>;
} {
  const fromFiles = isSafetensorsFileMap(req.files) ? req.files : undefined;
  const adapterFiles = isSafetensorsFileMap(req.adapters) ? req.adapters : undefined;
  const requireFrom = fromFiles === undefined && req.from === undefined && req.files === undefined;
  const instructions = [
    ...(req.modelfile === undefined ? [] : parseModelfile(req.modelfile, { requireFrom }).instructions),
    ...structuredInstructions(req),
  ];
  if (fromFiles !== undefined) {
    if (instructions.some((i) => i.kind === 'from'))
      throw new AppError(
        'INVALID_REQUEST',
        'give either a Hugging Face folder in "files" or a FROM, not both',
      );
    instructions.unshift({ kind: 'from', value: UPLOADED_LABEL }); // a label: the store converts `fromFiles`
  }
  if (!instructions.some((i) => i.kind === 'from')) {
    throw new AppError('INVALID_REQUEST', 'neither "from" nor "files" nor a Modelfile FROM was given');
  }
  return {
    modelfile: renderModelfile({ instructions }),
    ...(fromFiles === undefined ? {} : { fromFiles }),
    ...(adapterFiles === undefined ? {} : { adapterFiles }),
  };
}

export function createRoute({ store, log }: AppDeps): Hono {
  const app = new Hono();
  app.post('/api/create', async (c) => {
    const req = await parseBody(c, createRequestSchema);
    const { modelfile, fromFiles, adapterFiles } = createModelfile(req);
    // Files on the server's disk are the admin's business; others upload blobs (as `corral create` does).
    const role = principalOf(c).role;
    const allowFiles = role !== undefined && allows(role, 'admin');
    // Relative FROM paths in a Modelfile sent over HTTP resolve against the server's working directory.
    const run = (emit: (line: unknown) => void) =>
      store.create(req.model, modelfile, {
        baseDir: process.cwd(),
        allowFiles,
        link: req.link,
        quantize: req.quantize,
        ...(fromFiles === undefined ? {} : { fromFiles }),
        ...(adapterFiles === undefined ? {} : { adapterFiles }),
        onProgress: emit,
      });
    if (req.stream === false) {
      await run(() => undefined);
      return c.json({ status: 'success' });
    }
    return streamResponse(c.req.raw, ndjsonFormat, run, (err) =>
      log.warn({ err, model: req.model }, 'create failed after streaming began'),
    );
  });
  return app;
}
