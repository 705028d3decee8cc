/**
 * The store's implementation of the core `ModelCatalog` port: a model by name with the facts inference needs.
 * GGUF headers are read once per model blob and remembered (blobs are immutable: the digest names the content).
 */
import type { ModelCatalog, ResolvedModel } from '../core/index.js';
import { describeGguf, readGguf, type GgufFile } from '../gguf/index.js';
import type { ModelStore } from './model-store.js';

const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'jina-bert-v2', 't5encoder']);

interface GgufFacts {
  memory: ResolvedModel['memory'];
  trainedContextLength: number | undefined;
  embeddingOnly: boolean;
}

function num(file: GgufFile, key: string): number | undefined {
  const v = file.metadata[key];
  return typeof v === 'number' ? v : undefined;
}

function factsOf(file: GgufFile): GgufFacts {
  const d = describeGguf(file);
  const arch = d.architecture;
  const nHead = d.headCount ?? 1;
  const tokens = file.metadata['tokenizer.ggml.tokens'];
  return {
    memory: {
      weightsBytes: file.tensors.reduce((sum, t) => sum + t.byteSize, 0),
      nLayer: d.blockCount ?? 0,
      nEmbd: d.embeddingLength ?? 0,
      nHead,
      nHeadKv: num(file, `${arch}.attention.head_count_kv`) ?? nHead,
      kvBytesPerElement: 2,
      vocabSize: Array.isArray(tokens) ? tokens.length : 0,
    },
    trainedContextLength: d.contextLength,
    embeddingOnly: EMBEDDING_ARCHITECTURES.has(arch),
  };
}

export class StoreModelCatalog implements ModelCatalog {
  readonly #facts = new Map<string, Promise<GgufFacts>>();

  constructor(private readonly store: ModelStore) {}

  async resolve(name: string): Promise<ResolvedModel | undefined> {
    const model = await this.store.get(name);
    if (model === undefined || model.modelPath === undefined || model.modelDigest === undefined)
      return undefined;
    const path = model.modelPath;
    await this.store.verifyLink(model.modelDigest);
    let facts = this.#facts.get(model.modelDigest);
    if (facts === undefined) {
      facts = readGguf(path).then(factsOf);
      this.#facts.set(model.modelDigest, facts);
      facts.catch(() => this.#facts.delete(model.modelDigest!));
    }
    return {
      key: model.digest,
      name: model.name.display,
      modelPath: path,
      adapters: model.adapterPaths.map((p) => ({ path: p, scale: 1 })),
      parameters: model.parameters,
      template: model.template,
      system: model.system,
      messages: model.messages,
      ...(await facts),
    };
  }
}
