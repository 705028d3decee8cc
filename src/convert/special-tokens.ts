/**
 * Special token ids, add-BOS/EOS flags and the chat template, as gguf-py's `SpecialVocab` finds them: token names
 * from tokenizer_config.json (`bos_token`, string or `{content}`) matched to ids through the added tokens, else the
 * `<type>_token_id` of config.json; `add_bos_token`/`add_eos_token` from tokenizer_config.json, else from a
 * `TemplateProcessing` post-processor that starts (ends) with the BOS (EOS) token; `chat_template` from
 * tokenizer_config.json, `chat_template.jinja` or `chat_template.json`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gguf } from '../gguf/index.js';
import { isNotFound } from './fs-errors.js';
import { folderError } from './folder-error.js';
import { readJsonObject, type HfConfig } from './hf-config.js';
import type { Metadata } from './text-metadata.js';

type Json = Record<string, unknown>;

const TYPES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
const ID_KEYS: Readonly<Record<(typeof TYPES)[number], string>> = {
  bos: 'bos_token_id',
  eos: 'eos_token_id',
  unk: 'unknown_token_id',
  sep: 'seperator_token_id', // sic: gguf-py's key name
  pad: 'padding_token_id',
  cls: 'cls_token_id',
  mask: 'mask_token_id',
};

function content(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null && typeof (entry as Json).content === 'string')
    return (entry as Json).content as string;
  return undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw folderError(path, 'cannot read the file', err);
  }
}

async function chatTemplate(dir: string, tokenizerConfig: Json): Promise<Metadata> {
  let template: unknown = tokenizerConfig.chat_template;
  template ??= await readText(join(dir, 'chat_template.jinja'));
  template ??= (await readJsonObject(dir, 'chat_template.json'))?.chat_template;
  if (typeof template === 'string') return { 'tokenizer.chat_template': gguf.str(template) };
  if (!Array.isArray(template)) return {};
  // A list of named templates: `default` is the template, the others `tokenizer.chat_template.<name>`.
  const out: Metadata = {};
  const names: string[] = [];
  for (const item of template as Json[]) {
    const name = typeof item.name === 'string' ? item.name.replace(/[^A-Za-z0-9]/g, '_') : '';
    if (name === '' || typeof item.template !== 'string') continue;
    if (name === 'default') out['tokenizer.chat_template'] = gguf.str(item.template);
    else {
      names.push(name);
      out[`tokenizer.chat_template.${name}`] = gguf.str(item.template);
    }
  }
  if (names.length > 0) out['tokenizer.chat_templates'] = gguf.arr('str', names);
  return out;
}

// add_bos/add_eos implied by a TemplateProcessing post-processor (`single: [<bos>, $A]`).
function postProcessorFlags(tokenizer: Json | undefined, names: Partial<Record<string, string>>) {
  const flags: { bos?: boolean; eos?: boolean } = {};
  const post = tokenizer?.post_processor as Json | undefined;
  if (post === undefined || post === null) return flags;
  const processors = Array.isArray(post.processors) ? (post.processors as Json[]) : [post];
  for (const p of processors) {
    if (p.type !== 'TemplateProcessing' || !Array.isArray(p.single) || p.single.length < 2) continue;
    const single = p.single as Json[];
    const first = (single[0]!.SpecialToken as Json | undefined)?.id;
    const last = (single[single.length - 1]!.SpecialToken as Json | undefined)?.id;
    if (typeof first === 'string') flags.bos = first === names.bos || first === names.cls;
    if (typeof last === 'string') flags.eos = last === names.eos;
  }
  return flags;
}

/**
 * `tokenizer.ggml.*_token_id`, `add_bos_token`/`add_eos_token` and chat template keys. `idOf` maps a token's text
 * to its id (added tokens first, as gguf-py does); `vocabSize` bounds the ids accepted.
 */
export async function specialTokenMetadata(
  dir: string,
  config: HfConfig,
  tokenizer: Json | undefined,
  idOf: (text: string) => number | undefined,
  vocabSize: number,
): Promise<Metadata> {
  const tc = (await readJsonObject(dir, 'tokenizer_config.json')) ?? {};
  const names: Partial<Record<string, string>> = {};
  for (const t of TYPES) names[t] = content(tc[`${t}_token`]);
  names.bos ??= names.cls;
  names.eos ??= names.sep;
  const out: Metadata = {};
  for (const t of TYPES) {
    const fromName = names[t] === undefined ? undefined : idOf(names[t]);
    const fromConfig = config.values[`${t}_token_id`];
    const id = fromName ?? (typeof fromConfig === 'number' ? fromConfig : undefined);
    if (id !== undefined && Number.isInteger(id) && id >= 0 && id < vocabSize)
      out[`tokenizer.ggml.${ID_KEYS[t]}`] = gguf.u32(id);
  }
  const implied = postProcessorFlags(tokenizer, names);
  const addBos = typeof tc.add_bos_token === 'boolean' ? tc.add_bos_token : implied.bos;
  const addEos = typeof tc.add_eos_token === 'boolean' ? tc.add_eos_token : implied.eos;
  if (addBos !== undefined) out['tokenizer.ggml.add_bos_token'] = gguf.bool(addBos);
  if (addEos !== undefined) out['tokenizer.ggml.add_eos_token'] = gguf.bool(addEos);
  if (typeof tc.add_prefix_space === 'boolean')
    out['tokenizer.ggml.add_space_prefix'] = gguf.bool(tc.add_prefix_space);
  return { ...out, ...(await chatTemplate(dir, tc)) };
}
