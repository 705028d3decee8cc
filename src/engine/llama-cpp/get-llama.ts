/**
 * The one `Llama` instance of a runner process. `getLlama` costs most of a second and owns the native backend, so
 * it is created once per process (memoized) and disposed with the process.
 */
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { RunnerLoadSpec } from '../../core/index.js';

let instance: Promise<Llama> | undefined;

/** node-llama-cpp's `gpu` option for a spec's accelerator choice. */
export function gpuOption(gpu: RunnerLoadSpec['gpu']): false | 'auto' | 'cuda' | 'vulkan' | 'metal' {
  return gpu === 'cpu' ? false : gpu;
}

/**
 * The process's `Llama`, created on first call with `build: 'never'` (a missing binary is an error, never a
 * compile). `maxThreads` caps the threads of all contexts together (ENGINE-NOTES: worker threads spin, so the
 * runner must never use more than its share of cores). llama.cpp warnings and errors go to stderr, which the parent
 * pipes into the server log and keeps for crash reports.
 */
export function processLlama(options: { gpu: RunnerLoadSpec['gpu']; maxThreads: number }): Promise<Llama> {
  instance ??= getLlama({
    gpu: gpuOption(options.gpu),
    build: 'never',
    maxThreads: options.maxThreads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal || level === LlamaLogLevel.warn)
        process.stderr.write(`llama.cpp ${level}: ${message.trimEnd()}\n`);
    },
  });
  return instance;
}
