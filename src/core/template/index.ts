/**
 * Go `text/template` for Ollama-style model templates: parse, render, and Ollama's prompt rendering rules.
 *
 * - {@link parseTemplate} / {@link renderTemplate}: Go template semantics over plain data (see `values.ts`).
 * - {@link renderPrompt}: the prompt Ollama builds from a model TEMPLATE, messages, tools and options.
 */
export { parseTemplate, renderTemplate, Template, type RenderOptions } from './template.js';
export { renderPrompt, type PromptInput } from './render-prompt.js';
export { GoNil, GoStruct, typed, type GoField, type GoStructType, type GoType } from './values.js';
