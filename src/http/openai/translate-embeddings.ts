/**
 * `/v1/embeddings` ⇄ core embed. With `encoding_format: 'base64'` each vector is sent as OpenAI does: the base64
 * of its little-endian float32 bytes (Ollama's `floatsToBase64`), a quarter of the size of JSON numbers.
 */
import type { OpenAIEmbeddingList, OpenAIEmbeddingsRequest, OpenAIEncodingFormat } from '../../api/index.js';
import type { EmbedInput, EmbedOutput } from '../../core/index.js';
import { invalidField, textInputs, toKeepAliveMs } from './translate-shared.js';

/**
 * Translate a validated embeddings request. Inputs longer than the context are truncated (OpenAI would refuse
 * them; truncating matches Ollama's default). Throws `INVALID_REQUEST` for token arrays, an empty input list and
 * a bad `keep_alive`.
 */
export function fromEmbeddingsRequest(body: OpenAIEmbeddingsRequest): EmbedInput {
  const inputs = textInputs(body.input, 'input');
  if (inputs.length === 0) throw invalidField('input', 'must not be empty');
  const input: EmbedInput = { model: body.model, inputs, truncate: true, options: { ...body.options } };
  if (body.dimensions !== undefined) input.dimensions = body.dimensions;
  const keepAliveMs = toKeepAliveMs(body.keep_alive);
  if (keepAliveMs !== undefined) input.keepAliveMs = keepAliveMs;
  return input;
}

/** The embedding list for `out`, each vector as numbers (`float`, the default) or as base64. */
export function toEmbeddingsResponse(
  out: EmbedOutput,
  encoding: OpenAIEncodingFormat = 'float',
): OpenAIEmbeddingList {
  return {
    object: 'list',
    data: out.embeddings.map((vector, index) => ({
      object: 'embedding',
      embedding: encoding === 'base64' ? floatsToBase64(vector) : vector,
      index,
    })),
    model: out.model,
    usage: { prompt_tokens: out.promptTokens, total_tokens: out.promptTokens },
  };
}

/** Base64 of the vector as little-endian float32 (explicitly little-endian, whatever the host's byte order). */
function floatsToBase64(vector: number[]): string {
  const bytes = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, i) => bytes.setFloat32(i * 4, value, true));
  return Buffer.from(bytes.buffer).toString('base64');
}
