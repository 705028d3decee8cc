import { getLlama, LlamaCompletion, DraftSequenceTokenPredictor } from 'node-llama-cpp';
import { writeTinyModel } from '../test/fixtures/index.js';
const opts = { nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 512, vocabSize: 2048, eos: 'never' as const };
await writeTinyModel('/tmp/draft.gguf', { ...opts, nLayer: 1 });
await writeTinyModel('/tmp/target.gguf', { ...opts, nLayer: 8, inertLayersFrom: 1 });
await writeTinyModel('/tmp/other.gguf', { ...opts, nLayer: 1, weightSeed: 7 });
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
const target = await llama.loadModel({ modelPath: '/tmp/target.gguf' });
async function run(draftPath: string | undefined) {
  const ctx = await target.createContext({ sequences: 1, contextSize: 512, threads: 1 });
  let predictor;
  let dctx;
  if (draftPath) {
    const draft = await llama.loadModel({ modelPath: draftPath });
    dctx = await draft.createContext({ sequences: 1, contextSize: 512, threads: 1 });
    predictor = new DraftSequenceTokenPredictor(dctx.getSequence(), { minTokens: Number(process.env.MINT ?? 16), maxTokens: 16, minConfidence: Number(process.env.CONF ?? 0) });
  }
  const seq = ctx.getSequence({ tokenPredictor: predictor });
  const c = new LlamaCompletion({ contextSequence: seq });
  const t0 = performance.now();
  const r = await c.generateCompletionWithMeta('hello world the quick', { maxTokens: 200, temperature: 0 });
  const ms = performance.now() - t0;
  console.log(draftPath, (200 / ms * 1000).toFixed(1), 'tok/s', seq.tokenPredictions, JSON.stringify(r.response.slice(0, 80)));
  await ctx.dispose(); await dctx?.dispose();
  return r.response;
}
const a = await run(undefined);
const b = await run('/tmp/draft.gguf');
const c = await run('/tmp/other.gguf');
const a2 = await run(undefined);
console.log('same', a === b, a === c, a === a2);
