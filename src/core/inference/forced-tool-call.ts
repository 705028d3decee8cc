/**
 * Forced tool calls (`tool_choice: "required"` or a named function): instead of hoping the model starts its chat
 * template's tool-call syntax, the answer is constrained by a grammar to one JSON object naming an offered tool
 * with arguments that match its parameter schema, then parsed into a tool call. Pure functions, table-tested.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from '../runner.js';

/** How the model must use the offered tools: `auto` lets it choose; `required` forces one call. */
export type ToolChoice = 'auto' | 'required';

const ANY_OBJECT = { type: 'object', additionalProperties: true };

/** JSON schema of `{"name": <tool>, "arguments": <its parameters>}` over the offered tools. */
export function toolCallSchema(tools: readonly ToolDefinition[]): Record<string, unknown> {
  const variants = tools.map((t) => ({
    type: 'object',
    properties: { name: { const: t.name }, arguments: t.parameters ?? ANY_OBJECT },
    required: ['name', 'arguments'],
  }));
  return variants.length === 1 ? variants[0]! : { oneOf: variants };
}

/** The offered tools described in a system message, so a real model knows what it must call. */
export function toolsSystemMessage(tools: readonly ToolDefinition[]): ChatMessage {
  const list = tools.map((t) =>
    JSON.stringify({ name: t.name, description: t.description, parameters: t.parameters }),
  );
  return {
    role: 'system',
    content: `Call exactly one of these tools. Answer with a JSON object {"name": <tool name>, "arguments": <object>}.\n${list.join('\n')}`,
  };
}

/** The tool call in a constrained answer, or `undefined` when it is cut short or names no offered tool. */
export function parseToolCall(text: string, tools: readonly ToolDefinition[]): ToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A generation cut by the token limit leaves incomplete JSON: there is no call to report.
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, arguments: args } = value as { name?: unknown; arguments?: unknown };
  if (typeof name !== 'string' || !tools.some((t) => t.name === name)) return undefined;
  const isObject = typeof args === 'object' && args !== null && !Array.isArray(args);
  return { name, arguments: isObject ? (args as Record<string, unknown>) : {} };
}
