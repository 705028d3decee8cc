/**
 * Fine-tuning inputs framed as the server frames requests to this model: the Modelfile's SYSTEM and MESSAGES go
 * before each conversation (as for `/api/chat` and `/api/generate`), and a Modelfile TEMPLATE renders the prompt
 * here, as it does for generation. With a TEMPLATE, only the last trained assistant message is a target: the
 * prompt before it is rendered text, and its content follows verbatim.
 */
import { AppError } from '../errors.js';
import type { ChatMessage, TrainingInput } from '../runner.js';
import { renderPrompt } from '../template/index.js';
import type { ResolvedModel } from './model-catalog.js';

function withContext(model: ResolvedModel, messages: ChatMessage[], train: boolean[]) {
  const hasSystem = messages.some((m) => m.role === 'system');
  const before: ChatMessage[] = [
    ...(!hasSystem && model.system ? [{ role: 'system' as const, content: model.system }] : []),
    ...model.messages,
  ];
  return { messages: [...before, ...messages], train: [...before.map(() => false), ...train] };
}

/** `input` as the runner must encode it for `model`. */
export function servedTrainingInput(model: ResolvedModel, input: TrainingInput): TrainingInput {
  if ('segments' in input) return input;
  const framed = withContext(model, input.messages, input.train);
  if (model.template === undefined) return framed;
  const last = framed.train.lastIndexOf(true);
  const target = framed.messages[last];
  if (last < 0 || target === undefined)
    throw new AppError('INVALID_REQUEST', 'a training conversation needs an assistant message to learn');
  const prompt = renderPrompt({ template: model.template, messages: framed.messages.slice(0, last) });
  return {
    segments: [
      { text: prompt, train: false },
      { text: target.content, train: true },
    ],
  };
}
