/**
 * `/v1/responses` request → core {@link ChatInput}, and a finished generation → the `response` object. Pure
 * except for the default ids. Stateless: what needs a stored response or conversation is refused with a 400.
 */
import type {
  OpenAIResponse,
  OpenAIResponsesRequest,
  ResponsesOutputItem,
  ResponsesTextFormat,
  ResponsesTool,
  ResponsesToolChoice,
  ResponsesUsage,
} from '../../api/index.js';
import type { ChatInput, GenerateResult, OutputFormat, ToolDefinition } from '../../core/index.js';
import { fromResponsesInput } from './translate-responses-input.js';
import { invalidField, randomId, toKeepAliveMs, toRequestOptions } from './translate-shared.js';

/** Makes an id from a prefix (`resp_`, `msg_`, `fc_`, `call_`); injectable for tests. */
export type NewId = (prefix: string) => string;

/** What the `response` object repeats of the request. */
export type ResponseEcho = Pick<
  OpenAIResponse,
  'instructions' | 'max_output_tokens' | 'temperature' | 'top_p' | 'tool_choice' | 'tools' | 'text'
> & { parallel_tool_calls: boolean };

/** A translated request and how to answer it. */
export interface ResponsesRequestPlan {
  input: ChatInput;
  stream: boolean;
  echo: ResponseEcho;
}

const STATELESS = 'Corral is stateless and stores no responses';

export function fromResponsesRequest(body: OpenAIResponsesRequest): ResponsesRequestPlan {
  if (body.store === true) throw invalidField('store', `must be false: ${STATELESS}`);
  if (body.previous_response_id != null)
    throw invalidField('previous_response_id', `${STATELESS}; send the whole conversation as input`);
  if (body.conversation != null)
    throw invalidField('conversation', `${STATELESS}; send the whole conversation as input`);
  if (body.background === true)
    throw invalidField('background', `${STATELESS}, so a background response could not be polled`);
  const input: ChatInput = {
    model: body.model,
    messages: fromResponsesInput(body.instructions, body.input),
    options: toRequestOptions(body, body.max_output_tokens),
  };
  const choice = body.tool_choice ?? 'auto';
  const tools = fromTools(body.tools ?? [], choice);
  if (tools.length > 0) input.tools = tools;
  if (tools.length > 0 && choice !== 'auto' && choice !== 'none') input.toolChoice = 'required';
  const format = fromTextFormat(body.text?.format);
  if (format) input.format = format;
  const keepAliveMs = toKeepAliveMs(body.keep_alive);
  if (keepAliveMs !== undefined) input.keepAliveMs = keepAliveMs;
  const echo: ResponseEcho = {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    tool_choice: choice,
    tools: body.tools ?? [],
    text: { format: body.text?.format ?? { type: 'text' } },
    parallel_tool_calls: body.parallel_tool_calls ?? true,
  };
  return { input, stream: body.stream ?? false, echo };
}

/** Function tools only; `none` offers none, a named function only that one (and forces a call, as `required`). */
function fromTools(tools: ResponsesTool[], choice: ResponsesToolChoice): ToolDefinition[] {
  const defs = tools.map((tool, i): ToolDefinition => {
    if (!isFunctionTool(tool)) {
      throw invalidField(
        `tools.${i}.type`,
        `built-in tool "${tool.type}" is not supported; use function tools`,
      );
    }
    const def: ToolDefinition = { name: tool.name };
    if (tool.description != null) def.description = tool.description;
    if (tool.parameters != null) def.parameters = tool.parameters;
    return def;
  });
  if (choice === 'none') return [];
  if (choice !== 'auto' && defs.length === 0) throw invalidField('tool_choice', 'requires tools');
  if (typeof choice === 'string') return defs;
  const chosen = defs.filter((d) => d.name === choice.name);
  if (chosen.length === 0) throw invalidField('tool_choice.name', `no tool named "${choice.name}"`);
  return chosen;
}

/** The schema lets other `type`s through only when they are not `function` (so they can be refused here). */
function isFunctionTool(tool: ResponsesTool): tool is Extract<ResponsesTool, { name: string }> {
  return tool.type === 'function';
}

function fromTextFormat(format: ResponsesTextFormat | undefined): OutputFormat | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json' };
  return { type: 'json_schema', schema: format.schema };
}

type Outcome = Pick<
  GenerateResult,
  'text' | 'toolCalls' | 'doneReason' | 'promptTokens' | 'promptCachedTokens' | 'evalTokens'
>;

/** Where one response's output items and identity come from. */
export interface ResponseContext {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  echo: ResponseEcho;
}

/** Token usage; `input_tokens` is the whole prompt, of which `cached_tokens` came from the prefix cache. */
export function toResponsesUsage(result: Outcome): ResponsesUsage {
  const cached = result.promptCachedTokens ?? 0;
  const input = result.promptTokens + cached;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: result.evalTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + result.evalTokens,
  };
}

/** The output items of a generation: a message (unless the model only called tools), then the calls. */
export function toOutputItems(result: Outcome, newId: NewId = randomId): ResponsesOutputItem[] {
  const items: ResponsesOutputItem[] = [];
  const incomplete = result.doneReason === 'length';
  if (result.text !== '' || result.toolCalls.length === 0) {
    items.push({
      type: 'message',
      id: newId('msg_'),
      role: 'assistant',
      status: incomplete ? 'incomplete' : 'completed',
      content: [{ type: 'output_text', text: result.text, annotations: [] }],
    });
  }
  for (const call of result.toolCalls) {
    items.push({
      type: 'function_call',
      id: newId('fc_'),
      call_id: newId('call_'),
      name: call.name,
      arguments: JSON.stringify(call.arguments),
      status: 'completed',
    });
  }
  return items;
}

/** The `response` object in a state; `result` (when finished) gives the status, usage and `output_text`. */
export function responseSnapshot(
  ctx: ResponseContext,
  output: ResponsesOutputItem[],
  result?: Outcome,
  error?: { code: string; message: string },
): OpenAIResponse {
  const incomplete = result?.doneReason === 'length';
  const status = error
    ? 'failed'
    : result === undefined
      ? 'in_progress'
      : incomplete
        ? 'incomplete'
        : 'completed';
  const response: OpenAIResponse = {
    id: ctx.id,
    object: 'response',
    created_at: ctx.createdAt,
    status,
    error: error ?? null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: ctx.model,
    output,
    previous_response_id: null,
    store: false,
    usage: result ? toResponsesUsage(result) : null,
    metadata: {},
    ...ctx.echo,
  };
  if (result) response.output_text = outputText(output);
  return response;
}

/** The body of a non-streamed response. */
export function toResponse(result: Outcome, ctx: ResponseContext, newId: NewId = randomId): OpenAIResponse {
  return responseSnapshot(ctx, toOutputItems(result, newId), result);
}

function outputText(output: ResponsesOutputItem[]): string {
  return output.flatMap((item) => (item.type === 'message' ? item.content.map((c) => c.text) : [])).join('');
}
