/**
 * Log probabilities of the tokens a generation produced, computed after it by evaluating those positions again
 * with full output distributions (`controlledEvaluate` with `probabilities`): `LlamaChat`/`LlamaCompletion`
 * do not expose them while sampling. The extra cost is one batched pass over the generated tokens, paid only
 * by requests that ask. Probabilities are the model's own (before temperature and other sampling options).
 */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { TokenChoice, TokenLogprob } from '../../core/index.js';

const utf8 = new TextEncoder();

function choice(model: LlamaModel, token: Token, probability: number): TokenChoice {
  const text = model.detokenize([token], true);
  return {
    token: text,
    logprob: Math.log(Math.max(probability, Number.MIN_VALUE)),
    bytes: [...utf8.encode(text)],
  };
}

/**
 * The `generated` tokens that make up `text` (a stop sequence or end token the generation consumed but did not
 * return is left out), each with its log probability and `top` alternatives. `prompt` is what the sequence held
 * before generating; its KV cache is rewound to the last prompt token and the answer evaluated again.
 */
export async function tokenLogprobs(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  prompt: readonly Token[],
  generated: readonly Token[],
  text: string,
  top: number,
): Promise<TokenLogprob[]> {
  let keep = 0;
  while (keep < generated.length && model.detokenize(generated.slice(0, keep), true).length < text.length)
    keep++;
  const last = prompt.at(-1);
  if (keep === 0 || last === undefined) return [];
  // The output after each token is the distribution of the next one: evaluate from the last prompt token on.
  await sequence.eraseContextTokenRanges([{ start: prompt.length - 1, end: sequence.nextTokenIndex }]);
  const inputs = [last, ...generated.slice(0, keep - 1)];
  const outputs = await sequence.controlledEvaluate(
    inputs.map(
      (token) =>
        [token, { generateNext: { probabilities: true } }] as [
          Token,
          { generateNext: { probabilities: true } },
        ],
    ),
  );
  return generated.slice(0, keep).map((token, i) => {
    const probabilities = outputs[i]?.next.probabilities ?? new Map<Token, number>();
    const alternatives = [...probabilities.entries()].slice(0, top).map(([t, p]) => choice(model, t, p));
    return { ...choice(model, token, probabilities.get(token) ?? 0), top: alternatives };
  });
}
