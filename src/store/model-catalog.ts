/**
 * The store's implementation of the core `ModelCatalog` port: a model by name with the facts inference needs.
 * GGUF headers are read once per model blob and remembered (blobs are immutable: the digest names the content).
 */
import type { ModelCatalog, ResolvedModel } from '../core/index.js';
import { describeGguf, readGguf, type GgufFile } from '../gguf/index.js';
import {
  checkDraftVocabulary,
  draftModelName,
  draftNotFound,
  draftParameters,
  vocabularyOf,
  type Vocabulary,
} from './draft-model.js';
import type { ModelStore } from './model-store.js';

const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'jina-bert-v2', 't5encoder']);

interface GgufFacts {
  memory: ResolvedModel['memory'];
  trainedContextLength: number | undefined;
  embeddingOnly: boolean;
  reranking: boolean;
}

function num(file: GgufFile, key: string): number | undefined {
  const v = file.metadata[key];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Whether llama.cpp can rank with this model: it has a classification head (`cls.weight` or `cls.output.weight`,
 * which llama.cpp `build_pooling` applies under LLAMA_POOLING_TYPE_RANK) and is not an encoder–decoder. The rule
 * of node-llama-cpp's `GgufInsights.supportsRanking`; the runner checks again with the loaded model.
 */
function supportsReranking(file: GgufFile, arch: string): boolean {
  const head = file.tensors.some((t) => t.name === 'cls.weight' || t.name === 'cls.output.weight');
  return head && arch !== 't5';
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
    reranking: supportsReranking(file, arch),
  };
}

export class StoreModelCatalog implements ModelCatalog {
  readonly #facts = new Map<string, Promise<GgufFacts>>();
  /** Vocabularies of model blobs by path (a blob path names its content), for draft model checks. */
  readonly #vocabularies = new Map<string, Promise<Vocabulary>>();

  constructor(private readonly store: ModelStore) {}

  /** The model, with its draft model (`PARAMETER draft_model`) checked and resolved when it names one. */
  async resolve(name: string): Promise<ResolvedModel | undefined> {
    const model = await this.#resolveModel(name);
    const wanted = model && draftParameters(model.parameters);
    if (model === undefined || wanted === undefined) return model;
    const draftName = draftModelName(wanted.name);
    // Only the draft's weights are used: its own draft_model (even itself) is not followed.
    const draft = await this.#resolveModel(draftName);
    if (draft === undefined) throw draftNotFound(wanted.name, model.name);
    const [target, drafted] = await Promise.all([
      this.#vocabulary(model.modelPath),
      this.#vocabulary(draft.modelPath),
    ]);
    checkDraftVocabulary(model.name, draft.name, target, drafted);
    return {
      ...model,
      draft: { modelPath: draft.modelPath, minConfidence: wanted.minConfidence },
      memory: { ...model.memory, draft: draft.memory },
    };
  }

  #vocabulary(path: string): Promise<Vocabulary> {
    let vocabulary = this.#vocabularies.get(path);
    if (vocabulary === undefined) {
      vocabulary = readGguf(path).then(vocabularyOf);
      this.#vocabularies.set(path, vocabulary);
      vocabulary.catch(() => this.#vocabularies.delete(path));
    }
    return vocabulary;
  }

  async #resolveModel(name: string): Promise<ResolvedModel | undefined> {
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
