/**
 * The server-sent events of a streamed `/v1/responses`, in OpenAI's order: `response.created`,
 * `response.in_progress`, the message item (`output_item.added`, `content_part.added`, `output_text.delta`s,
 * `output_text.done`, `content_part.done`, `output_item.done`), a function-call item per tool call (its arguments
 * as one delta, since the core reports calls whole), and `response.completed` (or `response.incomplete` at the
 * token limit). A late failure is `error` then `response.failed`. Every event carries its `sequence_number`.
 */
import type {
  ResponsesOutputItem,
  ResponsesOutputMessage,
  ResponsesStreamEvent,
  ResponsesStreamEventBody,
} from '../../api/index.js';
import type { AppError, GenerateResult } from '../../core/index.js';
import { randomId } from './translate-shared.js';
import { responseSnapshot, toOutputItems, type NewId, type ResponseContext } from './translate-responses.js';

type Events = ResponsesStreamEvent[];

/** The message item being streamed, and its text so far. */
interface OpenMessage {
  item: ResponsesOutputMessage;
  text: string;
}

export class ResponseStreamEvents {
  readonly #ctx: ResponseContext;
  readonly #newId: NewId;
  #sequence = 0;
  #started = false;
  #message: OpenMessage | undefined;
  readonly #done: ResponsesOutputItem[] = [];

  constructor(ctx: ResponseContext, newId: NewId = randomId) {
    this.#ctx = ctx;
    this.#newId = newId;
  }

  /** `response.created` and `response.in_progress`, once. */
  start(): Events {
    if (this.#started) return [];
    this.#started = true;
    const response = responseSnapshot(this.#ctx, []);
    return [
      this.#event({ type: 'response.created', response }),
      this.#event({ type: 'response.in_progress', response }),
    ];
  }

  /** A piece of generated text, opening the message item first when needed. */
  text(delta: string): Events {
    const events = this.start();
    const message = this.#message ?? this.#openMessage(events);
    message.text += delta;
    events.push(this.#event({ type: 'response.output_text.delta', ...this.#partRef(), delta, logprobs: [] }));
    return events;
  }

  /** The events that close the stream once generation has finished. */
  finish(
    result: Pick<
      GenerateResult,
      'text' | 'toolCalls' | 'doneReason' | 'promptTokens' | 'promptCachedTokens' | 'evalTokens'
    >,
  ): Events {
    const events = this.start();
    // Same items as a non-streamed response; the message keeps the id it was streamed under.
    for (const item of toOutputItems({ ...result, text: this.#message?.text ?? result.text }, this.#newId)) {
      if (item.type === 'message') this.#closeMessage(events, item.status);
      else this.#functionCall(events, item);
    }
    const response = responseSnapshot(this.#ctx, this.#done, result);
    const type = response.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
    events.push(this.#event({ type, response }));
    return events;
  }

  /** `error` and `response.failed` for a failure after streaming began. */
  fail(err: AppError): Events {
    const events = this.start();
    const error = { code: err.code, message: err.message };
    const field = err.details?.field;
    events.push(
      this.#event({ type: 'error', ...error, param: typeof field === 'string' ? field : null }),
      this.#event({
        type: 'response.failed',
        response: responseSnapshot(this.#ctx, this.#done, undefined, error),
      }),
    );
    return events;
  }

  #event(body: ResponsesStreamEventBody): ResponsesStreamEvent {
    return { ...body, sequence_number: this.#sequence++ };
  }

  #partRef() {
    return { item_id: this.#message?.item.id ?? '', output_index: this.#done.length, content_index: 0 };
  }

  #openMessage(events: Events): OpenMessage {
    const item: ResponsesOutputMessage = {
      type: 'message',
      id: this.#newId('msg_'),
      role: 'assistant',
      status: 'in_progress',
      content: [],
    };
    this.#message = { item, text: '' };
    const output_index = this.#done.length;
    events.push(
      this.#event({ type: 'response.output_item.added', output_index, item }),
      this.#event({
        type: 'response.content_part.added',
        ...this.#partRef(),
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    );
    return this.#message;
  }

  #closeMessage(events: Events, status: ResponsesOutputMessage['status']): void {
    const message = this.#message ?? this.#openMessage(events);
    const part = { type: 'output_text' as const, text: message.text, annotations: [] };
    const ref = this.#partRef();
    const item: ResponsesOutputMessage = { ...message.item, status, content: [part] };
    events.push(
      this.#event({ type: 'response.output_text.done', ...ref, text: message.text, logprobs: [] }),
      this.#event({ type: 'response.content_part.done', ...ref, part }),
      this.#event({ type: 'response.output_item.done', output_index: ref.output_index, item }),
    );
    this.#done.push(item);
    this.#message = undefined;
  }

  #functionCall(events: Events, item: Extract<ResponsesOutputItem, { type: 'function_call' }>): void {
    const output_index = this.#done.length;
    const ref = { item_id: item.id, output_index };
    events.push(
      this.#event({
        type: 'response.output_item.added',
        output_index,
        item: { ...item, arguments: '', status: 'in_progress' },
      }),
      this.#event({ type: 'response.function_call_arguments.delta', ...ref, delta: item.arguments }),
      this.#event({
        type: 'response.function_call_arguments.done',
        ...ref,
        arguments: item.arguments,
        name: item.name,
      }),
      this.#event({ type: 'response.output_item.done', output_index, item }),
    );
    this.#done.push(item);
  }
}
