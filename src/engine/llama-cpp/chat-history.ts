/**
 * Corral chat messages → node-llama-cpp chat history and functions (pure; table-tested). The chat wrapper resolved
 * from the GGUF's template then renders the history exactly as the model was trained to see it.
 */
import type {
  ChatHistoryItem,
  ChatModelFunctionCall,
  ChatModelFunctions,
  ChatModelResponse,
} from 'node-llama-cpp';
import type { ChatMessage, ToolDefinition } from '../../core/index.js';

/**
 * The history to generate from. Assistant tool calls become function-call items whose `result` is the content of
 * the `tool` messages that follow them (matched by `tool_name`, else in order; JSON content is parsed). A `tool`
 * message that answers no call is kept as user text so nothing the client sent is dropped. The history always ends
 * with a model item: an empty one to answer, or the last assistant message to continue — a prefill, or a turn whose
 * tool calls were just answered (node-llama-cpp continues the same response after function results). That is what
 * `LlamaChat.generateResponse` itself does, so the tokens counted here are the tokens it evaluates.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  let pendingCalls: ChatModelFunctionCall[] = [];
  for (const message of messages) {
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') history.push({ type: 'user', text: message.content });
    else if (message.role === 'assistant') {
      const response: ChatModelResponse['response'] = message.content === '' ? [] : [message.content];
      pendingCalls = (message.tool_calls ?? []).map((call) => ({
        type: 'functionCall',
        name: call.name,
        params: call.arguments,
        result: undefined,
      }));
      response.push(...pendingCalls);
      history.push({ type: 'model', response });
    } else {
      const index = pendingCalls.findIndex((c) => c.result === undefined && c.name === message.tool_name);
      const call = index >= 0 ? pendingCalls[index] : pendingCalls.find((c) => c.result === undefined);
      if (call) call.result = parseToolContent(message.content);
      else history.push({ type: 'user', text: message.content });
    }
  }
  for (const item of history)
    if (item.type === 'model')
      for (const part of item.response)
        if (typeof part === 'object' && part.type === 'functionCall' && part.result === undefined)
          part.result = '';
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** Offered tools as node-llama-cpp functions; `undefined` when none (function calling off). */
export function toChatFunctions(
  tools: readonly ToolDefinition[] | undefined,
): ChatModelFunctions | undefined {
  if (!tools || tools.length === 0) return undefined;
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of tools)
    functions[tool.name] = {
      ...(tool.description !== undefined && { description: tool.description }),
      ...(tool.parameters !== undefined && {
        params: tool.parameters as ChatModelFunctions[string]['params'],
      }),
    };
  return functions;
}

function parseToolContent(content: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return content; // not JSON: the tool answered in plain text, which the template renders as a string
  }
}
