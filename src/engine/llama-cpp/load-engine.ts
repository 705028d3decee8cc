/**
 * Loads a model into this process and builds its {@link LlamaEngine}: backend, weights (memory-mapped), optional
 * thread calibration, one context with `parallel` sequences of `contextSize` tokens each, the chat wrapper, and a
 * draft model for speculative decoding when the spec names one.
 */
import { stat } from 'node:fs/promises';
import { resolveChatWrapper, type LlamaModel } from 'node-llama-cpp';
import { AppError, type RunnerLoadSpec } from '../../core/index.js';
import { pickThreads, type ThreadSpeeds } from '../thread-calibration.js';
import { BatchAligner } from './batch-alignment.js';
import { loadDraftModel, type DraftModel } from './draft-model.js';
import { Embedder } from './embedder.js';
import { processLlama } from './get-llama.js';
import { LlamaEngine } from './llama-engine.js';
import { measureDecodeSpeed } from './measure-decode.js';
import { OutputGrammars } from './output-grammar.js';
import { SequencePool } from './sequence-pool.js';

/** Thread counts to measure before the context is made, and speeds measured by earlier runners. */
export interface LoadCalibration {
  measure: number[];
  known: ThreadSpeeds;
}

/** A loaded engine and every decode speed known for its model's size class (measured now or before). */
export interface LoadedEngine {
  engine: LlamaEngine;
  threadSpeeds: ThreadSpeeds;
}

/** Loads `spec`; rejects with `FILE_NOT_FOUND` (model or adapter) or `RUNNER_FAILED` (names the file and cause). */
export async function loadEngine(spec: RunnerLoadSpec, calibration?: LoadCalibration): Promise<LoadedEngine> {
  const started = performance.now();
  const files = [
    { path: spec.modelPath, what: 'model' },
    ...spec.adapters.map((a) => ({ path: a.path, what: 'adapter' })),
    ...(spec.draft ? [{ path: spec.draft.modelPath, what: 'draft model' }] : []),
  ];
  for (const { path, what } of files)
    await stat(path).catch((err: unknown) => {
      throw new AppError('FILE_NOT_FOUND', `${what} file not found: ${path}`, { cause: err });
    });
  const llama = await step(`failed to start the llama.cpp backend (gpu: ${spec.gpu})`, () =>
    processLlama({ gpu: spec.gpu, maxThreads: spec.threads }),
  );
  const model = await step(`failed to load model ${spec.modelPath}`, () =>
    llama.loadModel({ modelPath: spec.modelPath, useMmap: spec.useMmap }),
  );
  let draft: DraftModel | undefined;
  try {
    const threadSpeeds = { ...calibration?.known };
    const calibrationStart = performance.now();
    for (const threads of calibration?.measure ?? [])
      threadSpeeds[threads] = await measureDecodeSpeed(model, threads);
    const calibrationMs = performance.now() - calibrationStart;
    const threads = pickThreads(threadSpeeds, spec.threads);
    // The aligner asks the pool (made from the context below) how many sequences generate; only during batches.
    const aligner = new BatchAligner((): number => pool.busy);
    const context = await step(`failed to create a context for ${spec.modelPath}`, () =>
      model.createContext({
        sequences: spec.parallel,
        contextSize: spec.contextSize,
        threads,
        batching: aligner.batching,
        failedCreationRemedy: false,
        ...(spec.adapters.length > 0 && {
          lora: { adapters: spec.adapters.map((a) => ({ filePath: a.path, scale: a.scale })) },
        }),
      }),
    );
    const draftSpec = spec.draft;
    if (draftSpec)
      draft = await step(`failed to load draft model ${draftSpec.modelPath}`, () =>
        loadDraftModel(llama, draftSpec, {
          sequences: spec.parallel,
          contextSize: context.contextSize,
          threads,
          useMmap: spec.useMmap,
        }),
      );
    const pool: SequencePool = new SequencePool(context, aligner, draft?.predictor);
    const chatWrapper = resolveChatWrapper(model);
    const info = {
      ramBytes: model.memoryUsage.ram + context.memoryUsage.ram + (draft?.memory.ram ?? 0),
      vramBytes: model.memoryUsage.vram + context.memoryUsage.vram + (draft?.memory.vram ?? 0),
      loadMs: Math.round(performance.now() - started - calibrationMs),
      backend: llama.gpu === false ? 'cpu' : llama.gpu,
      contextSize: context.contextSize,
      threads,
    };
    const engine = new LlamaEngine({
      llama,
      model,
      context,
      chatWrapper,
      pool,
      ...(draft && { draft }),
      grammars: new OutputGrammars(llama),
      embedder: new Embedder(model, { contextSize: context.contextSize, threads }),
      info,
    });
    return { engine, threadSpeeds };
  } catch (err) {
    if (draft) await disposeAfterFailure(draft);
    await disposeAfterFailure(model);
    throw err;
  }
}

async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new AppError('RUNNER_FAILED', `${what}: ${(err as Error).message}`, { cause: err });
  }
}

async function disposeAfterFailure(model: LlamaModel | DraftModel): Promise<void> {
  try {
    await ('close' in model ? model.close() : model.dispose());
  } catch (err) {
    // The load error is what the caller needs; the process ends right after, so only note this one.
    process.stderr.write(`model dispose after a failed load failed: ${String(err)}\n`);
  }
}
