/**
 * Responses API `instructions` + `input` → core {@link ChatMessage}s. Pure. A `function_call` item joins the
 * assistant turn before it (the Responses API lists a turn's text and calls as separate items); a
 * `function_call_output` becomes a `tool` message named after the call it answers.
 */
import type { ResponsesInputContent, ResponsesInputItem } from '../../api/index.js';
import type { ChatMessage } from '../../core/index.js';
import { parseArguments } from './translate-messages.js';
import { invalidField } from './translate-shared.js';

const REFUSED_PARTS = {
  input_image: 'images are not supported by this model',
  input_file: 'file inputs are not supported by this model',
  input_audio: 'audio input is not supported by this model',
} as const;

export function fromResponsesInput(
  instructions: string | null | undefined,
  input: string | ResponsesInputItem[],
): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (instructions != null && instructions !== '') out.push({ role: 'system', content: instructions });
  if (typeof input === 'string') {
    out.push({ role: 'user', content: input });
    return out;
  }
  const toolNames = new Map<string, string>();
  input.forEach((item, i) => {
    const field = `input.${i}`;
    switch (item.type) {
      case 'message': {
        const role = item.role === 'developer' ? 'system' : item.role;
        out.push({ role, content: textOf(item.content, `${field}.content`) });
        return;
      }
      case 'function_call': {
        toolNames.set(item.call_id, item.name);
        const call = { name: item.name, arguments: parseArguments(item.arguments, `${field}.arguments`) };
        const last = out.at(-1);
        if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
        else out.push({ role: 'assistant', content: '', tool_calls: [call] });
        return;
      }
      case 'function_call_output': {
        const message: ChatMessage = { role: 'tool', content: textOf(item.output, `${field}.output`) };
        const name = toolNames.get(item.call_id);
        if (name !== undefined) message.tool_name = name;
        out.push(message);
        return;
      }
      case 'item_reference':
        throw invalidField(
          field,
          'item references need stored items; Corral stores nothing, send the item itself',
        );
      case 'reasoning':
        return; // another model's reasoning: Corral's models neither need nor produce it
    }
  });
  return out;
}

/** A string, or the text parts joined with newlines; any other part is refused with a 400 naming it. */
function textOf(content: string | ResponsesInputContent[], field: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type === 'input_text' || part.type === 'output_text') return part.text;
      if (part.type === 'refusal') return part.refusal;
      throw invalidField(`${field}.${j}`, REFUSED_PARTS[part.type]);
    })
    .join('\n');
}
