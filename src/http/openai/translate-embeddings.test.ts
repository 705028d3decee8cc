import { describe, expect, it } from 'vitest';
import { openaiEmbeddingsRequestSchema } from '../../api/index.js';
import { AppError, type EmbedOutput } from '../../core/index.js';
import { fromEmbeddingsRequest, toEmbeddingsResponse } from './translate-embeddings.js';

const parse = (fields: Record<string, unknown>) =>
  fromEmbeddingsRequest(openaiEmbeddingsRequestSchema.parse({ model: 'embed', input: 'hello', ...fields }));

describe('fromEmbeddingsRequest', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['one string', {}, { model: 'embed', inputs: ['hello'], truncate: true, options: {} }],
    ['strings', { input: ['a', 'b'] }, { model: 'embed', inputs: ['a', 'b'], truncate: true, options: {} }],
    [
      'dimensions, options, keep_alive, and ignored fields',
      {
        dimensions: 256,
        options: { num_ctx: 2048 },
        keep_alive: '10s',
        encoding_format: 'base64',
        user: 'u',
      },
      {
        model: 'embed',
        inputs: ['hello'],
        truncate: true,
        options: { num_ctx: 2048 },
        dimensions: 256,
        keepAliveMs: 10_000,
      },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(parse(fields)).toStrictEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['token array', { input: [101, 102] }, 'input: token arrays are not supported'],
    ['token arrays', { input: [[101], [102]] }, 'input: token arrays are not supported'],
    ['empty list', { input: [] }, 'input: must not be empty'],
    ['bad keep_alive', { keep_alive: 'x' }, 'keep_alive: invalid duration'],
  ])('rejects %s with a 400', (_name, fields, message) => {
    expect(() => parse(fields)).toThrow(AppError);
    expect(() => parse(fields)).toThrow(message);
  });

  it('schema rejects an unknown encoding_format', () => {
    const result = openaiEmbeddingsRequestSchema.safeParse({
      model: 'e',
      input: 'x',
      encoding_format: 'int8',
    });
    expect(result.error?.issues[0]?.path).toStrictEqual(['encoding_format']);
  });
});

const out: EmbedOutput = {
  model: 'embed',
  embeddings: [
    [0.1, -2.5, 3e-8, 0],
    [1, 0.333333333],
  ],
  promptTokens: 6,
  loadMs: 0,
  totalMs: 1,
};

/** Decode OpenAI's base64 embedding: little-endian float32. */
function decode(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('toEmbeddingsResponse', () => {
  it('renders floats by default', () => {
    expect(toEmbeddingsResponse(out)).toStrictEqual({
      object: 'list',
      data: [
        { object: 'embedding', embedding: [0.1, -2.5, 3e-8, 0], index: 0 },
        { object: 'embedding', embedding: [1, 0.333333333], index: 1 },
      ],
      model: 'embed',
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
    expect(toEmbeddingsResponse(out, 'float')).toStrictEqual(toEmbeddingsResponse(out));
  });

  it('renders base64 that decodes back to the float32 values', () => {
    const body = toEmbeddingsResponse(out, 'base64');
    body.data.forEach((item, i) => {
      expect(typeof item.embedding).toBe('string');
      expect(decode(item.embedding as string)).toStrictEqual(out.embeddings[i]!.map(Math.fround));
    });
  });

  it('encodes little-endian bytes exactly', () => {
    // 1.0f is 0x3f800000: bytes 00 00 80 3f.
    const body = toEmbeddingsResponse({ ...out, embeddings: [[1]] }, 'base64');
    expect(body.data[0]?.embedding).toBe(Buffer.from([0, 0, 0x80, 0x3f]).toString('base64'));
  });
});
