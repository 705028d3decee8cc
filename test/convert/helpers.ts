/** Shared pieces of the converter tests: temp folders, tensor bytes of a GGUF, greedy decoding with llama.cpp. */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel, type Token } from 'node-llama-cpp';
import { tensorByteSize, type GgufFile } from '../../src/gguf/index.js';

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `corral-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The bytes of tensor `name` in the GGUF file at `path` (parsed as `file`). */
export async function tensorBytes(path: string, file: GgufFile, name: string): Promise<Buffer> {
  const t = file.tensors.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no tensor ${name} in ${path}`);
  const size = tensorByteSize(t.type, t.dims)!;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, file.dataOffset + t.offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

// One thread: the default spins worker threads and is far slower on 2-core machines (ENGINE-NOTES).
const THREADS = 1;
let llama: Promise<Llama> | undefined;

export function testLlama(): Promise<Llama> {
  llama ??= getLlama({ gpu: false, build: 'never', maxThreads: THREADS, logLevel: LlamaLogLevel.error });
  return llama;
}

export async function loadModel(path: string): Promise<LlamaModel> {
  return (await testLlama()).loadModel({ modelPath: path });
}

/**
 * Greedy tokens after `prompt` (BOS prepended when the model asks for it), and the logits of the first step;
 * with `lora`, that GGUF LoRA adapter is applied at scale 1.
 */
export async function greedy(
  model: LlamaModel,
  prompt: string,
  count: number,
  lora?: string,
): Promise<{ tokens: Token[]; firstProbs: Map<Token, number> | undefined }> {
  const context = await model.createContext({
    contextSize: 256,
    threads: THREADS,
    ...(lora === undefined ? {} : { lora: { adapters: [{ filePath: lora, scale: 1 }] } }),
  });
  try {
    const out: Token[] = [];
    let firstProbs: Map<Token, number> | undefined;
    const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
    const input = [...bos, ...model.tokenize(prompt)];
    for await (const token of context
      .getSequence()
      .evaluate(input, { temperature: 0, yieldEogToken: true })) {
      out.push(token);
      if (out.length >= count || model.isEogToken(token)) break;
    }
    return { tokens: out, firstProbs };
  } finally {
    await context.dispose();
  }
}
