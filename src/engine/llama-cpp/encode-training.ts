/**
 * Fine-tuning data as the served model will see it: conversations rendered by the same chat wrapper that
 * generation uses (so a fine-tuned model is trained on exactly the prompt `/api/chat` and `/api/generate` build),
 * or text segments tokenized in order. Each trained assistant message is the span between the rendering of the
 * conversation up to it (ending in an open assistant turn) and the rendering that includes it; the end-of-turn
 * token after it is a target too, so the model learns to stop.
 */
import type { ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';
import { AppError, type ChatMessage, type EncodedExample, type TrainingInput } from '../../core/index.js';
import { toChatHistory } from './chat-history.js';

function endOfTurn(model: LlamaModel): Token {
  const token = model.tokens.eot ?? model.tokens.eos;
  if (token === null)
    throw new AppError(
      'INVALID_REQUEST',
      'the model has no end-of-turn or end-of-sequence token to train on',
    );
  return token;
}

function render(model: LlamaModel, wrapper: ChatWrapper, messages: readonly ChatMessage[]): Token[] {
  const state = wrapper.generateContextState({ chatHistory: toChatHistory(messages) });
  return state.contextText.tokenize(model.tokenizer);
}

function startsWith(tokens: readonly Token[], prefix: readonly Token[]): boolean {
  return prefix.length <= tokens.length && prefix.every((t, i) => tokens[i] === t);
}

function encodeConversation(
  model: LlamaModel,
  wrapper: ChatWrapper,
  messages: ChatMessage[],
  train: boolean[],
): EncodedExample {
  const last = messages.length - 1;
  const trained = messages.flatMap((m, i) => (train[i] === true ? [i] : []));
  for (const i of trained)
    if (messages[i]?.role !== 'assistant')
      throw new AppError('INVALID_REQUEST', `message ${i + 1} is trained but is not an assistant message`);
  // A conversation that ends with a user turn is trained up to its last assistant message.
  const end = trained.length === 0 ? last : (trained.at(-1) ?? last);
  const tokens: Token[] = render(model, wrapper, messages.slice(0, end + 1));
  const mask = tokens.map(() => 0);
  const eot = endOfTurn(model);
  for (const i of trained) {
    const before = render(model, wrapper, messages.slice(0, i));
    const through = i === end ? tokens : render(model, wrapper, messages.slice(0, i + 1));
    if (!startsWith(through, before) || !startsWith(tokens, through))
      throw new AppError(
        'INVALID_REQUEST',
        `the model's chat template does not render message ${i + 1} as a continuation of the conversation before it`,
      );
    for (let t = before.length; t < through.length; t++) mask[t] = 1;
    if (i === end) {
      tokens.push(eot);
      mask.push(1);
    } else if (model.isEogToken(tokens[through.length])) mask[through.length] = 1;
  }
  return { tokens, mask };
}

function encodeSegments(
  model: LlamaModel,
  segments: Array<{ text: string; train: boolean }>,
): EncodedExample {
  const bos = model.tokens.bos;
  const tokens: Token[] = bos !== null && model.tokens.shouldPrependBosToken ? [bos] : [];
  const mask: number[] = tokens.map(() => 0);
  for (const segment of segments) {
    const piece = model.tokenize(segment.text, true);
    tokens.push(...piece);
    mask.push(...piece.map(() => (segment.train ? 1 : 0)));
  }
  if (segments.at(-1)?.train === true) {
    tokens.push(endOfTurn(model));
    mask.push(1);
  }
  return { tokens, mask };
}

/** Encodes fine-tuning inputs with `model`'s tokenizer and chat template. */
export function encodeTraining(
  model: LlamaModel,
  wrapper: ChatWrapper,
  inputs: readonly TrainingInput[],
): EncodedExample[] {
  return inputs.map((input) =>
    'segments' in input
      ? encodeSegments(model, input.segments)
      : encodeConversation(model, wrapper, input.messages, input.train),
  );
}
