/**
 * `/v1/messages` request → core {@link ChatInput}. Pure. Anthropic keeps the system prompt apart and puts tool
 * results inside user turns as blocks; the core wants them as `system` and `tool` messages in order, so a user turn
 * `[tool_result, tool_result, text]` becomes two tool messages and a user message.
 */
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from '../../api/index.js';
import type { ChatInput, ChatMessage, RequestOptions, ToolDefinition } from '../../core/index.js';
import { invalidField, toKeepAliveMs } from '../openai/translate-shared.js';

/** A translated request and how to answer it. */
export interface MessagesRequestPlan {
  input: ChatInput;
  stream: boolean;
}

const REFUSED_BLOCKS: Partial<Record<AnthropicContentBlockParam['type'], string>> = {
  image: 'images are not supported by this model',
  document: 'document inputs are not supported by this model',
};

/** Translate a validated request. Throws `INVALID_REQUEST` naming the field for what Corral cannot serve. */
export function fromMessagesRequest(body: AnthropicMessagesRequest): MessagesRequestPlan {
  const messages = fromMessages(body.messages);
  const system = systemText(body.system);
  if (system !== undefined) messages.unshift({ role: 'system', content: system });
  const input: ChatInput = { model: body.model, messages, options: toOptions(body) };
  const choice = body.tool_choice ?? { type: 'auto' };
  const tools = fromTools(body.tools ?? [], choice);
  if (tools.length > 0) input.tools = tools;
  if (tools.length > 0 && (choice.type === 'any' || choice.type === 'tool')) input.toolChoice = 'required';
  const keepAliveMs = toKeepAliveMs(body.keep_alive);
  if (keepAliveMs !== undefined) input.keepAliveMs = keepAliveMs;
  return { input, stream: body.stream ?? false };
}

/** The `options` extension first, then the Anthropic fields that were given (they win). */
function toOptions(body: AnthropicMessagesRequest): RequestOptions {
  const explicit: RequestOptions = { num_predict: body.max_tokens };
  if (body.temperature !== undefined) explicit.temperature = body.temperature;
  if (body.top_p !== undefined) explicit.top_p = body.top_p;
  if (body.top_k !== undefined) explicit.top_k = body.top_k;
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0)
    explicit.stop = body.stop_sequences;
  return { ...body.options, ...explicit };
}

function systemText(system: AnthropicMessagesRequest['system']): string | undefined {
  if (system === undefined) return undefined;
  const text = typeof system === 'string' ? system : system.map((b) => b.text).join('\n');
  return text === '' ? undefined : text;
}

/** Every turn in order; a tool result keeps the name of the tool whose `tool_use` it answers. */
export function fromMessages(messages: AnthropicMessageParam[]): ChatMessage[] {
  const toolNames = new Map<string, string>();
  const out: ChatMessage[] = [];
  messages.forEach((message, i) => {
    const field = `messages.${i}.content`;
    if (typeof message.content === 'string') {
      out.push({ role: message.role, content: message.content });
      return;
    }
    if (message.role === 'assistant') {
      out.push(fromAssistant(message.content, field, toolNames));
      return;
    }
    let text: string[] = [];
    const flushText = () => {
      if (text.length > 0) out.push({ role: 'user', content: text.join('\n') });
      text = [];
    };
    message.content.forEach((block, j) => {
      if (block.type === 'text') text.push(block.text);
      else if (block.type === 'tool_result') {
        flushText();
        const result: ChatMessage = { role: 'tool', content: toolResultText(block, `${field}.${j}`) };
        const name = toolNames.get(block.tool_use_id);
        if (name !== undefined) result.tool_name = name;
        out.push(result);
      } else refuseBlock(block, `${field}.${j}`, 'user');
    });
    flushText();
  });
  return out;
}

function fromAssistant(
  blocks: AnthropicContentBlockParam[],
  field: string,
  toolNames: Map<string, string>,
): ChatMessage {
  const text: string[] = [];
  const out: ChatMessage = { role: 'assistant', content: '' };
  blocks.forEach((block, j) => {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'tool_use') {
      toolNames.set(block.id, block.name);
      (out.tool_calls ??= []).push({ name: block.name, arguments: block.input });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      // Another model's reasoning sent back with the conversation: Corral's models neither need nor produce it.
    } else refuseBlock(block, `${field}.${j}`, 'assistant');
  });
  out.content = text.join('\n');
  return out;
}

/** A tool result's text: a string, or its text blocks joined; `is_error` is made visible to the model. */
function toolResultText(
  block: Extract<AnthropicContentBlockParam, { type: 'tool_result' }>,
  field: string,
): string {
  const content = block.content ?? '';
  const text =
    typeof content === 'string'
      ? content
      : content
          .map((part, k) => {
            if (part.type === 'text' && typeof part.text === 'string') return part.text;
            throw invalidField(
              `${field}.content.${k}`,
              REFUSED_BLOCKS[part.type as 'image'] ?? `"${part.type}" blocks are not supported`,
            );
          })
          .join('\n');
  return block.is_error === true ? `Error: ${text}` : text;
}

function refuseBlock(block: AnthropicContentBlockParam, field: string, role: string): never {
  throw invalidField(
    field,
    REFUSED_BLOCKS[block.type] ?? `"${block.type}" blocks are not allowed in ${role} turns`,
  );
}

/**
 * The tools offered. `none` offers none; `tool` offers only the named one; `any` and `tool` force a call (the core
 * constrains the answer by a grammar). Server tools (a `type` other than `custom`) are refused.
 */
function fromTools(tools: AnthropicTool[], choice: AnthropicToolChoice): ToolDefinition[] {
  tools.forEach((tool, i) => {
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw invalidField(`tools.${i}.type`, `server tool "${tool.type}" is not supported`);
    }
  });
  if (choice.type === 'none') return [];
  if (choice.type !== 'auto' && tools.length === 0) throw invalidField('tool_choice', 'requires tools');
  const defs = tools.map((tool): ToolDefinition => {
    const def: ToolDefinition = { name: tool.name };
    if (tool.description !== undefined) def.description = tool.description;
    if (tool.input_schema !== undefined) def.parameters = tool.input_schema;
    return def;
  });
  if (choice.type !== 'tool') return defs;
  const chosen = defs.filter((d) => d.name === choice.name);
  if (chosen.length === 0) throw invalidField('tool_choice.name', `no tool named "${choice.name}"`);
  return chosen;
}
