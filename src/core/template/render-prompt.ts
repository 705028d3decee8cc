/**
 * Ollama's prompt rendering (`template/template.go`: `Parse` and `Template.Execute`), decision for decision:
 *
 * - A template that mentions neither `.Messages` nor `.Response` gets `{{ .Response }}` appended.
 * - Prompt and suffix both set (fill-in-the-middle): one render with `.Prompt`, `.Suffix`, empty `.Response`.
 * - Template mentions `.Messages`: one render with `.System` (all system messages joined by a blank line),
 *   `.Messages` (consecutive messages of one role merged, tool messages excepted), `.Tools`, empty `.Response`.
 * - Otherwise (legacy `.System`/`.Prompt`/`.Response` templates): one render per completed exchange, then the
 *   last exchange with the template cut right after its first `.Response`, so generation continues from there.
 * Everything also sees `.Think`, `.ThinkLevel` and `.IsThinkSet`. Keys a path does not set are missing
 * (they print `<no value>`), as in Ollama.
 */
import type { ChatMessage, ToolDefinition } from '../runner.js';
import { ollamaTrees } from './ollama-trees.js';
import { templateMessages, templateTools } from './ollama-data.js';
import { parseTemplate, renderTree, Template, type RenderOptions } from './template.js';

/** What {@link renderPrompt} renders. */
export interface PromptInput {
  /** The model's TEMPLATE or a request's `template` override: text or a parsed template. */
  template: string | Template;
  /** Default system prompt (Modelfile SYSTEM or a request's `system`), prepended as a system message unless
   * `messages` already starts with one. */
  system?: string;
  /** The conversation so far. */
  messages: readonly ChatMessage[];
  /** Tools offered to the model (used by templates that read `.Tools`). */
  tools?: readonly ToolDefinition[];
  /** `/api/generate`'s prompt: appended as a user message, or the prefix of a fill-in-the-middle request. */
  prompt?: string;
  /** `/api/generate`'s suffix. When non-empty, `messages` and `system` are not used (as in Ollama's generate);
   * with a non-empty `prompt` too, the template renders `.Prompt`/`.Suffix` (fill-in-the-middle). */
  suffix?: string;
  /** Ollama's `think`: a boolean or a level (`high`, `medium`, `low`, `max`). */
  think?: boolean | string;
  /** Start of the model's reply: appended as an assistant message the model continues. */
  response?: string;
}

const LEVELS = new Set(['high', 'medium', 'low', 'max']);

/** `.Think`, `.ThinkLevel`, `.IsThinkSet` as Ollama derives them from `think`. */
function thinkValues(think: boolean | string | undefined): Record<string, unknown> {
  const on = typeof think === 'string' ? LEVELS.has(think) : think === true;
  const level = typeof think === 'string' ? think : think === true ? 'medium' : '';
  return { Think: on, ThinkLevel: level, IsThinkSet: think !== undefined };
}

/** Ollama's `collate`: all system contents joined by a blank line; consecutive same-role messages merged. */
export function collate(messages: readonly ChatMessage[]): { system: string; messages: ChatMessage[] } {
  const system: string[] = [];
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'system') system.push(m.content);
    const last = out[out.length - 1];
    if (last && last.role === m.role && m.role !== 'tool') last.content += `\n\n${m.content}`;
    else out.push({ ...m });
  }
  return { system: system.join('\n\n'), messages: out };
}

/**
 * Render the prompt Ollama would send to the model for this template and input.
 * @throws AppError `INVALID_REQUEST` when the template does not parse, is one Ollama rejects
 * (`{{template "x"}}` without an argument), or fails while executing.
 */
export function renderPrompt(input: PromptInput, options: RenderOptions = {}): string {
  const template = typeof input.template === 'string' ? parseTemplate(input.template) : input.template;
  const trees = ollamaTrees(template);
  const think = thinkValues(input.think);
  const prompt = input.prompt ?? '';
  const suffix = input.suffix ?? '';

  if (suffix !== '' && prompt !== '') {
    return renderTree(trees.full, { Prompt: prompt, Suffix: suffix, Response: '', ...think }, options);
  }

  let messages: ChatMessage[] = [];
  if (suffix === '') {
    messages = [...input.messages];
    if (input.system && messages[0]?.role !== 'system')
      messages.unshift({ role: 'system', content: input.system });
    if (input.prompt !== undefined) messages.push({ role: 'user', content: input.prompt });
    if (input.response !== undefined) messages.push({ role: 'assistant', content: input.response });
  }
  const collated = collate(messages);

  if (trees.usesMessages) {
    const data = {
      System: collated.system,
      Messages: templateMessages(collated.messages.length > 0 ? collated.messages : undefined),
      Tools: templateTools(input.tools),
      Response: '',
      ...think,
    };
    return renderTree(trees.full, data, options);
  }

  // Legacy templates: render each finished exchange, then the open one up to its `.Response`.
  let out = '';
  let system = '';
  let user = '';
  let response = '';
  const flush = (): void => {
    out += renderTree(trees.full, { System: system, Prompt: user, Response: response, ...think }, options);
    [system, user, response] = ['', '', ''];
  };
  for (const m of collated.messages) {
    if (m.role === 'system') {
      if (user !== '' || response !== '') flush();
      system = m.content;
    } else if (m.role === 'user') {
      if (response !== '') flush();
      user = m.content;
    } else if (m.role === 'assistant') {
      response = m.content;
    }
  }
  return out + renderTree(trees.cut, { System: system, Prompt: user, Response: response, ...think }, options);
}
