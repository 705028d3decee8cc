import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertHfModel } from '../../src/convert/index.js';
import { readGguf } from '../../src/gguf/index.js';
import { writeHfModel, writeSentencePieceModel } from '../fixtures/index.js';
import { greedy, loadModel, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('convert-tok'));
});
afterAll(async () => cleanup());

async function editJson(path: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(path, JSON.stringify(json));
}

describe('tokenizers', () => {
  it('SentencePiece tokenizer.model → llama vocabulary with scores, token types and special ids', async () => {
    const hf = join(dir, 'spm');
    await writeHfModel(hf, { arch: 'llama' });
    await rm(join(hf, 'tokenizer.json'));
    const pieces = await writeSentencePieceModel(join(hf, 'tokenizer.model'), 512);
    await writeFile(
      join(hf, 'tokenizer_config.json'),
      JSON.stringify({
        add_bos_token: true,
        add_eos_token: false,
        bos_token: '<s>',
        eos_token: '</s>',
        unk_token: '<unk>',
      }),
    );
    await editJson(join(hf, 'config.json'), (c) => Object.assign(c, { bos_token_id: 1, eos_token_id: 2 }));
    const out = join(dir, 'spm.gguf');
    await convertHfModel(hf, out, { outputType: 'F32' });
    const m = (await readGguf(out)).metadata;
    expect(m['tokenizer.ggml.model']).toBe('llama');
    expect(m['tokenizer.ggml.pre']).toBe('default');
    expect(m['tokenizer.ggml.tokens']).toEqual(pieces.map((p) => p.piece));
    expect(m['tokenizer.ggml.scores']).toEqual(pieces.map((p) => p.score));
    expect((m['tokenizer.ggml.token_type'] as number[]).slice(0, 5)).toEqual([2, 3, 3, 6, 6]);
    expect([
      m['tokenizer.ggml.bos_token_id'],
      m['tokenizer.ggml.eos_token_id'],
      m['tokenizer.ggml.unknown_token_id'],
    ]).toEqual([1, 2, 0]);
    const model = await loadModel(out);
    try {
      for (const text of ['hello world, the end', 'Ünïcödé 日本 🙂'])
        expect(model.detokenize(model.tokenize(text))).toBe(text);
      expect(model.tokenize('the')).toContain(pieces.findIndex((p) => p.piece === '▁the'));
      expect(model.tokens.bos).toBe(1);
      expect((await greedy(model, 'the end', 4)).tokens.length).toBeGreaterThan(0);
    } finally {
      await model.dispose();
    }
  });

  it('merges written as pairs (transformers >= 4.45) become "a b" strings, spaces as U+0120', async () => {
    const hf = join(dir, 'pairs');
    await writeHfModel(hf, { arch: 'llama' });
    const before = JSON.parse(await readFile(join(hf, 'tokenizer.json'), 'utf8')) as {
      model: { merges: string[] };
    };
    await editJson(join(hf, 'tokenizer.json'), (t) => {
      const model = t.model as { merges: unknown[] };
      model.merges = (model.merges as string[]).map((s) => s.split(' '));
      model.merges.push(['a b', 'c']);
    });
    await convertHfModel(hf, join(dir, 'pairs.gguf'), { outputType: 'F32' });
    const merges = (await readGguf(join(dir, 'pairs.gguf'))).metadata['tokenizer.ggml.merges'] as string[];
    expect(merges).toEqual([...before.model.merges, 'a\u0120b c']);
  });

  it('Llama 3 style: llama-bpe pre-tokenizer, BOS from the post-processor, named chat templates', async () => {
    const hf = join(dir, 'llama3');
    const { ids } = await writeHfModel(hf, { arch: 'llama', pre: 'llama-bpe' });
    await editJson(join(hf, 'tokenizer.json'), (t) => {
      t.post_processor = {
        type: 'TemplateProcessing',
        single: [
          { SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
        ],
        pair: [],
        special_tokens: {},
      };
    });
    await editJson(join(hf, 'tokenizer_config.json'), (c) => {
      delete c.add_bos_token;
      c.chat_template = [
        { name: 'default', template: '{{ messages }}' },
        { name: 'tool_use', template: '{{ tools }}' },
      ];
    });
    await convertHfModel(hf, join(dir, 'llama3.gguf'), { outputType: 'F32' });
    const m = (await readGguf(join(dir, 'llama3.gguf'))).metadata;
    expect(m['tokenizer.ggml.pre']).toBe('llama-bpe');
    expect(m['tokenizer.ggml.add_bos_token']).toBe(true);
    expect(m['tokenizer.ggml.bos_token_id']).toBe(ids.bos);
    expect(m['tokenizer.chat_template']).toBe('{{ messages }}');
    expect(m['tokenizer.chat_template.tool_use']).toBe('{{ tools }}');
    expect(m['tokenizer.chat_templates']).toEqual(['tool_use']);
    const model = await loadModel(join(dir, 'llama3.gguf'));
    await model.dispose();
  });
});
