/**
 * The server-sent events of a streamed `/v1/messages`, in Anthropic's order: `message_start`, `ping`, a text block
 * (`content_block_start`, `text_delta`s, `content_block_stop`), a `tool_use` block per tool call (its input as one
 * `input_json_delta`, since the core reports calls whole), `message_delta` with the stop reason and usage, and
 * `message_stop`. Deterministic given the ids; the route feeds it text as it comes and the result at the end.
 */
import type { AnthropicStreamEvent } from '../../api/index.js';
import type { GenerateResult } from '../../core/index.js';
import { toAnthropicUsage, toStopReason, toStopSequence, toToolUseBlocks } from './translate-response.js';

type Events = AnthropicStreamEvent[];

export class MessageStreamEvents {
  readonly #id: string;
  readonly #model: string;
  readonly #newToolId: (() => string) | undefined;
  #started = false;
  #textOpen = false;
  #nextIndex = 0;

  constructor(id: string, model: string, newToolId?: () => string) {
    this.#id = id;
    this.#model = model;
    this.#newToolId = newToolId;
  }

  /**
   * `message_start` and a `ping`, once. The prompt's token count is not known before generation ends, so
   * `message_start` reports 0 input tokens and `message_delta` the real count (the SDKs take the later value).
   */
  start(): Events {
    if (this.#started) return [];
    this.#started = true;
    const usage = { input_tokens: 0, output_tokens: 0 };
    const message = {
      id: this.#id,
      type: 'message' as const,
      role: 'assistant' as const,
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    };
    return [{ type: 'message_start', message }, { type: 'ping' }];
  }

  /** A piece of generated text, opening the text block first when needed. */
  text(text: string): Events {
    const events = this.start();
    if (!this.#textOpen) {
      this.#textOpen = true;
      events.push({
        type: 'content_block_start',
        index: this.#nextIndex,
        content_block: { type: 'text', text: '' },
      });
    }
    events.push({ type: 'content_block_delta', index: this.#nextIndex, delta: { type: 'text_delta', text } });
    return events;
  }

  /** The events that close the stream once generation has finished. */
  finish(
    result: Pick<
      GenerateResult,
      'toolCalls' | 'doneReason' | 'stopSequence' | 'promptTokens' | 'promptCachedTokens' | 'evalTokens'
    >,
  ): Events {
    const events = this.start();
    if (this.#textOpen) {
      events.push({ type: 'content_block_stop', index: this.#nextIndex++ });
      this.#textOpen = false;
    }
    for (const block of toToolUseBlocks(result, this.#newToolId)) {
      const index = this.#nextIndex++;
      events.push(
        { type: 'content_block_start', index, content_block: { ...block, input: {} } },
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        },
        { type: 'content_block_stop', index },
      );
    }
    events.push(
      {
        type: 'message_delta',
        delta: { stop_reason: toStopReason(result), stop_sequence: toStopSequence(result) },
        usage: toAnthropicUsage(result),
      },
      { type: 'message_stop' },
    );
    return events;
  }
}
