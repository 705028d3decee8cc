import { describe, expect, it } from 'vitest';
import { openaiResponsesRequestSchema } from '../../api/index.js';
import { AppError } from '../../core/index.js';
import { sampleInferenceResult } from '../../core/inference/testing.js';
import { ResponseStreamEvents } from './translate-responses-stream.js';
import { fromResponsesRequest, toResponse, type ResponseContext } from './translate-responses.js';

const result = sampleInferenceResult();
const request = openaiResponsesRequestSchema.parse({ model: 'tiny', input: 'Hi' });
const ctx: ResponseContext = {
  id: 'resp_1',
  createdAt: 100,
  model: 'tiny',
  echo: fromResponsesRequest(request).echo,
};

/** Ids `msg_1`, `fc_2`, `call_3`… */
function counter(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}${++n}`;
}

const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

describe('ResponseStreamEvents', () => {
  it('streams a message in OpenAI order, numbering every event', () => {
    const events = new ResponseStreamEvents(ctx, counter());
    const all = [...events.text('Hel'), ...events.text('lo'), ...events.finish(result)];
    expect(types(all)).toStrictEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(all.map((e) => e.sequence_number)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all[0]).toMatchObject({
      response: { id: 'resp_1', status: 'in_progress', output: [], usage: null },
    });
    expect(all[2]).toMatchObject({
      output_index: 0,
      item: { type: 'message', id: 'msg_1', status: 'in_progress', content: [] },
    });
    expect(all[4]).toMatchObject({ item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' });
    expect(all[6]).toMatchObject({ item_id: 'msg_1', text: 'Hello' });
    expect(all[8]).toMatchObject({
      item: { id: 'msg_1', status: 'completed', content: [{ text: 'Hello' }] },
    });
    // The final snapshot equals the non-streamed response (same ids).
    expect(all[9]).toMatchObject({ response: toResponse(result, ctx, () => 'msg_1') });
  });

  it('ends with response.incomplete at the token limit', () => {
    const events = new ResponseStreamEvents(ctx, counter());
    const all = [...events.text('x'), ...events.finish({ ...result, text: 'x', doneReason: 'length' })];
    expect(all.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('streams function calls as items with one arguments delta', () => {
    const events = new ResponseStreamEvents(ctx, counter());
    const toolCalls = [{ name: 'weather', arguments: { city: 'Oslo' } }];
    const all = events.finish({ ...result, text: '', toolCalls });
    expect(types(all)).toStrictEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(all[2]).toMatchObject({ item: { type: 'function_call', arguments: '', status: 'in_progress' } });
    expect(all[4]).toMatchObject({ item_id: 'fc_1', arguments: '{"city":"Oslo"}', name: 'weather' });
    expect(all[6]).toMatchObject({
      response: { output: [{ type: 'function_call', call_id: 'call_2', name: 'weather' }] },
    });
  });

  it('sends an empty message when nothing was generated', () => {
    const all = new ResponseStreamEvents(ctx, counter()).finish({ ...result, text: '' });
    expect(types(all)).toContain('response.output_text.done');
    expect(all.at(-1)).toMatchObject({
      response: { output: [{ type: 'message', content: [{ text: '' }] }] },
    });
  });

  it('fails with error and response.failed, continuing the numbering', () => {
    const events = new ResponseStreamEvents(ctx, counter());
    const all = [...events.text('x'), ...events.fail(new AppError('RUNNER_FAILED', 'runner crashed'))];
    expect(all.slice(-2)).toStrictEqual([
      { type: 'error', code: 'RUNNER_FAILED', message: 'runner crashed', param: null, sequence_number: 5 },
      expect.objectContaining({
        type: 'response.failed',
        sequence_number: 6,
        response: expect.objectContaining({
          status: 'failed',
          error: { code: 'RUNNER_FAILED', message: 'runner crashed' },
        }) as unknown,
      }),
    ]);
  });
});
