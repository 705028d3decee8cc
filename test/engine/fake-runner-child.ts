/**
 * A runner child without a model, for process-boundary tests: the real `ChildSession` protocol handling over a
 * fake engine. `FAKE_RUNNER_MODE` picks start-up behaviour; the prompt picks per-request behaviour:
 * `hang` blocks the event loop (no more pongs), `crash` writes error lines and exits with code 3, `malformed`
 * sends a message that breaks the protocol; anything else streams `tok ` every 5 ms until `num_predict` or abort.
 */
import { ChildSession, type SessionEngine } from '../../src/engine/child-session.js';
import type { ChildMessage } from '../../src/engine/protocol.js';

const mode = process.env.FAKE_RUNNER_MODE ?? 'normal';
const keepAlive = setInterval(() => undefined, 1000);
const send = (message: ChildMessage): void => {
  if (process.connected) process.send?.(message);
};

const engine: SessionEngine = {
  info: { ramBytes: 1, vramBytes: 0, loadMs: 1, backend: 'fake', contextSize: 128, threads: 1 },
  async generate(request, { signal, onText }) {
    if (request.prompt === 'hang') for (;;); // blocks the event loop on purpose: no more pongs
    if (request.prompt === 'crash') {
      process.stderr.write('fake runner: about to fail\nGGML_ASSERT: fake assertion failed\n');
      process.exit(3);
    }
    if (request.prompt === 'malformed') process.send?.({ type: 'done', id: 'not-a-number' });
    let text = '';
    const limit = request.options.num_predict ?? 10;
    for (let i = 0; i < limit && !signal?.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      text += 'tok ';
      onText?.('tok ');
    }
    const doneReason = signal?.aborted ? 'abort' : 'length';
    return { text, toolCalls: [], doneReason, promptTokens: 1, promptEvalMs: 0, evalTokens: 0, evalMs: 0 };
  },
  embed: () => Promise.resolve({ embeddings: [], promptTokens: 0 }),
  rerank: (request) => Promise.resolve({ scores: request.documents.map(() => 0.5), promptTokens: 0 }),
  tokenize: (text) => [...text].map((c) => c.charCodeAt(0)),
  detokenize: (tokens) => tokens.map((t) => String(t)).join(' '),
  encode: (inputs) => inputs.map(() => ({ tokens: [1], mask: [0] })),
  cacheUsage: () => ({ usedTokens: 0, capacityTokens: 128 }),
  close: () => Promise.resolve(),
};

const session = new ChildSession({
  send,
  load: async () => {
    if (mode === 'slow-load') await new Promise(() => undefined);
    return { engine, threadSpeeds: {} };
  },
  onShutdown: () => {
    if (mode === 'ignore-shutdown') return; // stays alive: the parent must SIGKILL it after the grace period
    clearInterval(keepAlive);
    if (process.connected) process.disconnect();
  },
});
process.on('message', (raw) => session.receive(raw));
if (mode !== 'silent') session.hello();
