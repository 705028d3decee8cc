/**
 * OpenAI chat messages → core {@link ChatMessage}s. Field paths in errors follow `parseBody`'s style
 * (`messages.2.content.0`), so every 400 of `/v1/chat/completions` reads alike.
 */
import type { OpenAIChatMessage, OpenAIContent, OpenAIRequestToolCall } from '../../api/index.js';
import type { ChatMessage, ToolCall } from '../../core/index.js';
import { invalidField } from './translate-shared.js';

const REFUSED_PARTS = {
  image_url: 'images are not supported by this model',
  input_audio: 'audio input is not supported by this model',
  file: 'file inputs are not supported by this model',
} as const;

/** Convert every message; `developer` becomes `system`, tool results keep the called tool's name. */
export function fromChatMessages(messages: OpenAIChatMessage[]): ChatMessage[] {
  return messages.map((message, i): ChatMessage => {
    const field = `messages.${i}`;
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content, field) };
      case 'user':
        return { role: 'user', content: textOf(message.content, field) };
      case 'assistant': {
        const out: ChatMessage = { role: 'assistant', content: textOf(message.content ?? '', field) };
        const calls = message.tool_calls ?? [];
        if (calls.length > 0)
          out.tool_calls = calls.map((call, j) => fromToolCall(call, `${field}.tool_calls.${j}`));
        return out;
      }
      case 'tool': {
        const out: ChatMessage = { role: 'tool', content: textOf(message.content, field) };
        const toolName = toolNameOf(messages.slice(0, i), message.tool_call_id);
        if (toolName !== undefined) out.tool_name = toolName;
        return out;
      }
    }
  });
}

/** A string, or the text parts joined with newlines; any other part is refused with a 400 naming it. */
function textOf(content: OpenAIContent, field: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type === 'text') return part.text;
      throw invalidField(`${field}.content.${j}`, REFUSED_PARTS[part.type]);
    })
    .join('\n');
}

function fromToolCall(call: OpenAIRequestToolCall, field: string): ToolCall {
  return {
    name: call.function.name,
    arguments: parseArguments(call.function.arguments, `${field}.function.arguments`),
  };
}

/** `arguments` must hold a JSON object; an empty string (sent by some clients for no arguments) means `{}`. */
export function parseArguments(text: string, field: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidField(field, `not valid JSON (${(err as Error).message})`, err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidField(field, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * The name of the tool whose call `id` answers, found in the earlier assistant messages; the last match wins when
 * ids repeat (as in Ollama's `nameFromToolCallID`). Undefined when no call has that id.
 */
function toolNameOf(earlier: OpenAIChatMessage[], id: string): string | undefined {
  for (let i = earlier.length - 1; i >= 0; i--) {
    const message = earlier[i];
    if (message?.role !== 'assistant') continue;
    const call = message.tool_calls?.findLast((c) => c.id === id);
    if (call) return call.function.name;
  }
  return undefined;
}
