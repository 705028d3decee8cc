/**
 * Wire contract of OpenAI's Responses API (`POST /v1/responses`), stateless only. Browser-safe.
 *
 * Corral stores nothing, so what needs a stored response or conversation (`store: true`, `previous_response_id`,
 * `conversation`, `item_reference` items, `background`) is refused by the translator with a 400 naming the field.
 * Items and tools Corral cannot serve (images, files, built-in tools such as web search) are recognised by their
 * `type` and refused there too. Unknown fields (`metadata`, `include`, `truncation`, `reasoning`…) are dropped.
 * Corral extensions, as on `/v1/chat/completions`: `options` and `keep_alive`.
 */
import { z } from 'zod';
import { keepAliveSchema, optionsSchema } from './ollama-inference.js';

const jsonObject = z.record(z.string(), z.unknown());

// ---- input items ------------------------------------------------------------------------------------------------

/** Content parts: text (`output_text` and `refusal` in earlier assistant turns); the others are refused. */
const inputContentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['input_text', 'output_text']), text: z.string() }),
  z.object({ type: z.literal('refusal'), refusal: z.string() }),
  z.object({ type: z.literal('input_image') }).loose(),
  z.object({ type: z.literal('input_file') }).loose(),
  z.object({ type: z.literal('input_audio') }).loose(),
]);
export type ResponsesInputContent = z.infer<typeof inputContentSchema>;

/** A message item (`type` may be left out, as OpenAI allows for "easy input messages"). */
const messageItemSchema = z.object({
  type: z.literal('message'),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(inputContentSchema)]),
});

const functionCallItemSchema = z.object({
  type: z.literal('function_call'),
  call_id: z.string(),
  name: z.string().min(1),
  /** JSON-encoded arguments, as the model produced them. */
  arguments: z.string(),
  id: z.string().optional(),
});

const functionCallOutputItemSchema = z.object({
  type: z.literal('function_call_output'),
  call_id: z.string(),
  output: z.union([z.string(), z.array(inputContentSchema)]),
});

/** An input item. `item_reference` (needs a stored item) and `reasoning` are recognised to be refused/dropped. */
const inputItemSchema = z.preprocess(
  (item) =>
    typeof item === 'object' && item !== null && !('type' in item) && 'role' in item
      ? { ...item, type: 'message' }
      : item,
  z.discriminatedUnion('type', [
    messageItemSchema,
    functionCallItemSchema,
    functionCallOutputItemSchema,
    z.object({ type: z.literal('item_reference') }).loose(),
    z.object({ type: z.literal('reasoning') }).loose(),
  ]),
);
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;

// ---- tools and text format --------------------------------------------------------------------------------------

/** A tool: `function` tools are served; built-in ones (`web_search`, `file_search`…) are refused. */
const toolSchema = z.union([
  z.object({
    type: z.literal('function'),
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: jsonObject.nullish(),
    strict: z.boolean().nullish(),
  }),
  z
    .object({ type: z.string() })
    .loose()
    .refine((tool) => tool.type !== 'function', { message: 'a function tool needs a name' }),
]);
export type ResponsesTool = z.infer<typeof toolSchema>;

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }),
]);
export type ResponsesToolChoice = z.infer<typeof toolChoiceSchema>;

const textFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: jsonObject,
    description: z.string().optional(),
    strict: z.boolean().nullish(),
  }),
]);
export type ResponsesTextFormat = z.infer<typeof textFormatSchema>;

// ---- request ----------------------------------------------------------------------------------------------------

/** `POST /v1/responses`. */
export const openaiResponsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema).min(1)]),
  /** A system message put before the input. */
  instructions: z.string().nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  text: z.object({ format: textFormatSchema.optional() }).nullish(),
  stream: z.boolean().nullish(),
  /** Refused when true: nothing is stored. */
  store: z.boolean().nullish(),
  /** Refused: there is no stored response to continue. */
  previous_response_id: z.string().nullish(),
  /** Refused: there are no stored conversations. */
  conversation: z.unknown().optional(),
  /** Refused when true: background responses must be stored to be polled. */
  background: z.boolean().nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
});
export type OpenAIResponsesRequest = z.infer<typeof openaiResponsesRequestSchema>;

// ---- response ---------------------------------------------------------------------------------------------------

export interface ResponsesOutputText {
  type: 'output_text';
  text: string;
  annotations: never[];
}

export interface ResponsesOutputMessage {
  type: 'message';
  /** `msg_…` */
  id: string;
  role: 'assistant';
  status: 'in_progress' | 'completed' | 'incomplete';
  content: ResponsesOutputText[];
}

export interface ResponsesFunctionCall {
  type: 'function_call';
  /** `fc_…` */
  id: string;
  /** `call_…`: what a `function_call_output` item answers. */
  call_id: string;
  name: string;
  /** JSON-encoded arguments. */
  arguments: string;
  status: 'in_progress' | 'completed';
}

export type ResponsesOutputItem = ResponsesOutputMessage | ResponsesFunctionCall;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The `response` object: the body of a non-streamed request, and the snapshot in lifecycle events. */
export interface OpenAIResponse {
  /** `resp_…` */
  id: string;
  object: 'response';
  /** Unix seconds. */
  created_at: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  /** All `output_text` joined (an SDK convenience, also sent on the wire). */
  output_text?: string;
  parallel_tool_calls: boolean;
  previous_response_id: null;
  store: false;
  temperature: number | null;
  top_p: number | null;
  tool_choice: ResponsesToolChoice;
  tools: ResponsesTool[];
  text: { format: ResponsesTextFormat };
  usage: ResponsesUsage | null;
  metadata: Record<string, string>;
}

interface ItemRef {
  item_id: string;
  output_index: number;
}

interface PartRef extends ItemRef {
  content_index: number;
}

/** One server-sent event of a streamed response (without its `sequence_number`, which the stream adds). */
export type ResponsesStreamEventBody =
  | { type: 'response.created' | 'response.in_progress'; response: OpenAIResponse }
  | { type: 'response.completed' | 'response.incomplete' | 'response.failed'; response: OpenAIResponse }
  | {
      type: 'response.output_item.added' | 'response.output_item.done';
      output_index: number;
      item: ResponsesOutputItem;
    }
  | ({
      type: 'response.content_part.added' | 'response.content_part.done';
      part: ResponsesOutputText;
    } & PartRef)
  | ({ type: 'response.output_text.delta'; delta: string; logprobs: never[] } & PartRef)
  | ({ type: 'response.output_text.done'; text: string; logprobs: never[] } & PartRef)
  | ({ type: 'response.function_call_arguments.delta'; delta: string } & ItemRef)
  | ({ type: 'response.function_call_arguments.done'; arguments: string; name: string } & ItemRef)
  | { type: 'error'; code: string; message: string; param: string | null };

/** A streamed event: its body and its place in the stream (from 0). */
export type ResponsesStreamEvent = ResponsesStreamEventBody & { sequence_number: number };
