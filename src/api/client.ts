/**
 * Typed HTTP client for Corral's API (and any Ollama-compatible server). The CLI and the web console use it;
 * only `corral serve` builds a server. Browser-safe: it uses the global `fetch`.
 */
import { parseNdjson } from '../lib/ndjson.js';
import { parseSse } from '../lib/sse.js';
import { ApiError, errorBodyMessage } from './api-error.js';
import type {
  CreateDatasetRequest,
  CreateFinetuneJobRequest,
  FinetuneDataset,
  FinetuneDatasetDetails,
  FinetuneDatasetStats,
  FinetuneEvent,
  FinetuneJob,
  FinetuneJobDetails,
} from './finetune.js';
import type {
  ClusterDeployment,
  ClusterDeploymentsResponse,
  ClusterLeaderResponse,
  ClusterNodesResponse,
  CreateJoinTokenRequest,
  DeployRequest,
  DrainResponse,
  JoinHeartbeatRequest,
  JoinRequest,
  JoinResponse,
  JoinStateRequest,
  JoinUpdateResponse,
} from './cluster.js';
import type {
  AuditResponse,
  BootstrapRequest,
  CreatedKey,
  CreateKeyRequest,
  CreateUserRequest,
  KeyInfo,
  LoginRequest,
  UpdateUserRequest,
  UserInfo,
  WhoAmI,
} from './admin.js';
import type {
  CreateProfileRequest,
  HfFilesResponse,
  LogsQuery,
  LogsResponse,
  ProfileInfo,
  ProfilesResponse,
  PullEvent,
  StartPullRequest,
  SystemInfo,
  UpdateProfileRequest,
} from './console.js';
import type { ConsoleFeatures } from './console-features.js';
import type {
  ChatRequest,
  LoadRequest,
  LoadResponse,
  QueueResponse,
  TokenizeRequest,
  DetokenizeRequest,
  UnloadRequest,
  ChatResponse,
  EmbedRequest,
  EmbedResponse,
  GenerateRequest,
  GenerateResponse,
  PsResponse,
} from './ollama-inference.js';
import type {
  CancelPullRequest,
  CopyRequest,
  CreateRequest,
  DeleteRequest,
  ListResponse,
  ProgressResponse,
  PullRequest,
  PullsResponse,
  PushRequest,
  ShowRequest,
  ShowResponse,
  VersionResponse,
} from './ollama-models.js';
import type { OpenAIRerankRequest, OpenAIRerankResponse, RerankRequest, RerankResponse } from './rerank.js';

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:11434`. */
  baseUrl: string;
  /** Bearer token sent as `Authorization`. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Aborts every request of this client (the CLI passes its Ctrl-C signal). */
  signal?: AbortSignal;
}

export interface StreamOptions<T> {
  onProgress?: (line: T) => void;
  signal?: AbortSignal;
}

/** A body that can be uploaded as a blob. */
export type UploadBody = Uint8Array | ReadableStream<Uint8Array> | Blob;

export class Client {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly apiKey: string | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.apiKey = options.apiKey;
    this.signal = options.signal;
  }

  /** Low-level request: resolves with the response when its status is 2xx, throws {@link ApiError} otherwise. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    requestSignal?: AbortSignal,
  ): Promise<Response> {
    const signal =
      requestSignal && this.signal
        ? AbortSignal.any([requestSignal, this.signal])
        : (requestSignal ?? this.signal);
    const headers: Record<string, string> = {};
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: signal ?? null };
    if (body instanceof Uint8Array || body instanceof Blob || body instanceof ReadableStream) {
      init.body = body as NonNullable<RequestInit['body']>;
      init.duplex = 'half';
      headers['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, init);
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(
        `could not connect to Corral at ${this.baseUrl}: is \`corral serve\` running?`,
        0,
        'SERVER_UNREACHABLE',
        { cause: err },
      );
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    return (await res.json()) as T;
  }

  /** POST a request whose answer is an NDJSON stream; returns the last line. */
  async stream<T extends object>(path: string, body: object, options: StreamOptions<T> = {}): Promise<T> {
    const res = await this.request('POST', path, body, options.signal);
    if (res.body === null) throw new ApiError('empty response from server', res.status);
    let last: T | undefined;
    for await (const value of parseNdjson(res.body)) {
      const line = value as T & { error?: string };
      if (typeof line.error === 'string') throw new ApiError(line.error, res.status);
      options.onProgress?.(line);
      last = line;
    }
    if (last === undefined) throw new ApiError('the server closed the stream without an answer', res.status);
    return last;
  }

  version(): Promise<VersionResponse> {
    return this.json('GET', '/api/version');
  }

  /** What the server can back: its role and the console pages that work there. */
  consoleFeatures(): Promise<ConsoleFeatures> {
    return this.json('GET', '/api/console/features');
  }

  list(): Promise<ListResponse> {
    return this.json('GET', '/api/tags');
  }

  show(req: ShowRequest): Promise<ShowResponse> {
    return this.json('POST', '/api/show', req);
  }

  create(req: CreateRequest, options?: StreamOptions<ProgressResponse>): Promise<ProgressResponse> {
    return this.stream('/api/create', { ...req, stream: true }, options);
  }

  /** Pull a model (registry or `hf.co/…`), streaming progress; resolves with the final `success` line. */
  pull(req: PullRequest, options?: StreamOptions<ProgressResponse>): Promise<ProgressResponse> {
    return this.stream('/api/pull', { ...req, stream: true }, options);
  }

  /** Push a model to its registry, streaming progress; resolves with the final `success` line. */
  push(req: PushRequest, options?: StreamOptions<ProgressResponse>): Promise<ProgressResponse> {
    return this.stream('/api/push', { ...req, stream: true }, options);
  }

  /** Running, interrupted and failed pulls (resume one by pulling it again). */
  pulls(): Promise<PullsResponse> {
    return this.json('GET', '/api/pulls');
  }

  /** Cancel a running or interrupted pull and remove its partial data. */
  async cancelPull(req: CancelPullRequest): Promise<void> {
    await this.request('DELETE', '/api/pull', req);
  }

  async copy(req: CopyRequest): Promise<void> {
    await this.request('POST', '/api/copy', req);
  }

  async delete(req: DeleteRequest): Promise<void> {
    await this.request('DELETE', '/api/delete', req);
  }

  /** Generate; streams chunks to `onProgress` unless `stream: false`; resolves with the final chunk. */
  generate(req: GenerateRequest, options?: StreamOptions<GenerateResponse>): Promise<GenerateResponse> {
    return this.stream('/api/generate', req, options);
  }

  /** Chat; streams chunks to `onProgress` unless `stream: false`; resolves with the final chunk. */
  chat(req: ChatRequest, options?: StreamOptions<ChatResponse>): Promise<ChatResponse> {
    return this.stream('/api/chat', req, options);
  }

  embed(req: EmbedRequest): Promise<EmbedResponse> {
    return this.json('POST', '/api/embed', req);
  }

  /** Relevance scores of `documents` for `query` with a reranker model, best first. */
  rerank(req: RerankRequest): Promise<RerankResponse> {
    return this.json('POST', '/api/rerank', req);
  }

  /** The same through `POST /v1/rerank`, in the Jina / Cohere / llama.cpp server shape. */
  rerankV1(req: OpenAIRerankRequest): Promise<OpenAIRerankResponse> {
    return this.json('POST', '/v1/rerank', req);
  }

  /** Load a model now; `keep_alive: -1` pins it. */
  load(req: LoadRequest): Promise<LoadResponse> {
    return this.json('POST', '/api/load', req);
  }

  async unload(req: UnloadRequest): Promise<void> {
    await this.request('POST', '/api/unload', req);
  }

  tokenize(req: TokenizeRequest): Promise<{ model: string; tokens: number[] }> {
    return this.json('POST', '/api/tokenize', req);
  }

  detokenize(req: DetokenizeRequest): Promise<{ model: string; content: string }> {
    return this.json('POST', '/api/detokenize', req);
  }

  queue(): Promise<QueueResponse> {
    return this.json('GET', '/api/queue');
  }

  async cancelRequest(id: string): Promise<void> {
    await this.request('DELETE', `/api/requests/${encodeURIComponent(id)}`);
  }

  ps(): Promise<PsResponse> {
    return this.json('GET', '/api/ps');
  }

  /** Saved profiles, by name. */
  profiles(): Promise<ProfilesResponse> {
    return this.json('GET', '/api/profiles');
  }

  createProfile(req: CreateProfileRequest): Promise<ProfileInfo> {
    return this.json('POST', '/api/profiles', req);
  }

  /** Change a profile; `name` in `req` renames it. */
  updateProfile(name: string, req: UpdateProfileRequest): Promise<ProfileInfo> {
    return this.json('PATCH', `/api/profiles/${encodeURIComponent(name)}`, req);
  }

  async deleteProfile(name: string): Promise<void> {
    await this.request('DELETE', `/api/profiles/${encodeURIComponent(name)}`);
  }

  /** Load the profile's model with its options; resolves once loaded (kept for the profile's keep_alive). */
  async startProfile(name: string): Promise<void> {
    await this.request('POST', `/api/profiles/${encodeURIComponent(name)}/start`, {});
  }

  /** Versions, CPU, memory, store disk and loaded models of the server. */
  system(): Promise<SystemInfo> {
    return this.json('GET', '/api/system');
  }

  /** Recent server and runner log lines, oldest first (admin). */
  logs(query: LogsQuery = {}): Promise<LogsResponse> {
    return this.json('GET', `/api/logs${queryString({ ...query })}`);
  }

  /** Start a pull that goes on without this client; follow it with {@link Client.pullEvents} or `pulls()`. */
  async startPull(req: StartPullRequest): Promise<void> {
    await this.request('POST', '/api/pulls', req);
  }

  /**
   * Follow pulls: calls `onEvent` with a `snapshot` first, then `progress`, `done` and `failed` events, until
   * `signal` aborts (resolves) or the server ends the stream (resolves too).
   */
  async pullEvents(onEvent: (e: PullEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.request('GET', '/api/pulls/events', undefined, signal);
    if (res.body === null) throw new ApiError('empty response from server', res.status);
    try {
      for await (const frame of parseSse(res.body)) {
        onEvent({ event: frame.event, data: JSON.parse(frame.data) as unknown } as PullEvent);
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  /** Upload a JSON Lines dataset for fine-tuning; every bad line is reported by number. */
  createDataset(req: CreateDatasetRequest): Promise<FinetuneDataset> {
    return this.json('POST', '/api/finetune/datasets', req);
  }

  datasets(): Promise<{ datasets: FinetuneDataset[] }> {
    return this.json('GET', '/api/finetune/datasets');
  }

  dataset(idOrName: string): Promise<FinetuneDatasetDetails> {
    return this.json('GET', `/api/finetune/datasets/${encodeURIComponent(idOrName)}`);
  }

  /** Token statistics of a dataset with `model`'s tokenizer and template. */
  datasetStats(idOrName: string, model: string): Promise<FinetuneDatasetStats> {
    return this.json(
      'GET',
      `/api/finetune/datasets/${encodeURIComponent(idOrName)}/stats${queryString({ model })}`,
    );
  }

  async deleteDataset(idOrName: string): Promise<void> {
    await this.request('DELETE', `/api/finetune/datasets/${encodeURIComponent(idOrName)}`);
  }

  createFinetuneJob(req: CreateFinetuneJobRequest): Promise<FinetuneJob> {
    return this.json('POST', '/api/finetune/jobs', req);
  }

  finetuneJobs(): Promise<{ jobs: FinetuneJob[] }> {
    return this.json('GET', '/api/finetune/jobs');
  }

  finetuneJob(id: string): Promise<FinetuneJobDetails> {
    return this.json('GET', `/api/finetune/jobs/${encodeURIComponent(id)}`);
  }

  finetuneLogs(id: string, tail?: number): Promise<{ lines: string[] }> {
    return this.json('GET', `/api/finetune/jobs/${encodeURIComponent(id)}/logs${queryString({ tail })}`);
  }

  cancelFinetuneJob(id: string): Promise<FinetuneJob> {
    return this.json('POST', `/api/finetune/jobs/${encodeURIComponent(id)}/cancel`, {});
  }

  resumeFinetuneJob(id: string): Promise<FinetuneJob> {
    return this.json('POST', `/api/finetune/jobs/${encodeURIComponent(id)}/resume`, {});
  }

  async deleteFinetuneJob(id: string): Promise<void> {
    await this.request('DELETE', `/api/finetune/jobs/${encodeURIComponent(id)}`);
  }

  /**
   * Follow a job: `snapshot` first, then `job`, `progress`, `metric` and `log` events; resolves when the job
   * has finished (the server ends the stream) or `signal` aborts.
   */
  async finetuneEvents(id: string, onEvent: (e: FinetuneEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.request(
      'GET',
      `/api/finetune/jobs/${encodeURIComponent(id)}/events`,
      undefined,
      signal,
    );
    if (res.body === null) throw new ApiError('empty response from server', res.status);
    try {
      for await (const frame of parseSse(res.body)) {
        onEvent({ event: frame.event, data: JSON.parse(frame.data) as unknown } as FinetuneEvent);
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  /** The single-file GGUF models of a Hugging Face repository (`user/repo`). */
  hfFiles(repo: string): Promise<HfFilesResponse> {
    return this.json('GET', `/api/hf/files${queryString({ repo })}`);
  }

  /** True when the server already holds the blob. */
  /** Sign in: `kind: 'key'` returns a new API key for the CLI; `kind: 'session'` a console cookie. */
  login(req: LoginRequest): Promise<CreatedKey | { user: UserInfo; expires_at: string }> {
    return this.json('POST', '/api/auth/login', req);
  }

  /** Create the first admin with the server's one-time token; signs in with a session cookie. */
  async bootstrap(req: BootstrapRequest): Promise<void> {
    await this.request('POST', '/api/auth/bootstrap', req);
  }

  /** End this client's session, or revoke the API key it presents. */
  async logout(): Promise<void> {
    await this.request('POST', '/api/auth/logout', {});
  }

  whoami(): Promise<WhoAmI> {
    return this.json('GET', '/api/auth/me');
  }

  users(): Promise<{ users: UserInfo[] }> {
    return this.json('GET', '/api/users');
  }

  createUser(req: CreateUserRequest): Promise<UserInfo> {
    return this.json('POST', '/api/users', req);
  }

  updateUser(name: string, req: UpdateUserRequest): Promise<UserInfo> {
    return this.json('PATCH', `/api/users/${encodeURIComponent(name)}`, req);
  }

  async deleteUser(name: string): Promise<void> {
    await this.request('DELETE', `/api/users/${encodeURIComponent(name)}`);
  }

  keys(): Promise<{ keys: KeyInfo[] }> {
    return this.json('GET', '/api/keys');
  }

  createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    return this.json('POST', '/api/keys', req);
  }

  async revokeKey(id: string): Promise<void> {
    await this.request('DELETE', `/api/keys/${encodeURIComponent(id)}`);
  }

  /** A gateway's cluster nodes (`corral gateway` only). */
  clusterNodes(): Promise<ClusterNodesResponse> {
    return this.json('GET', '/api/cluster/nodes');
  }

  /** The cluster's controller, and whether the answering gateway is it. */
  clusterLeader(): Promise<ClusterLeaderResponse> {
    return this.json('GET', '/api/cluster/leader');
  }

  clusterDeployments(): Promise<ClusterDeploymentsResponse> {
    return this.json('GET', '/api/cluster/deployments');
  }

  /** Creates a deployment or changes its replica count. */
  deploy(req: DeployRequest): Promise<ClusterDeployment> {
    return this.json('POST', '/api/cluster/deployments', req);
  }

  async undeploy(model: string): Promise<void> {
    await this.request('DELETE', `/api/cluster/deployments/${encodeURIComponent(model)}`);
  }

  /** Stops routing new requests to a node (it finishes what it has). */
  drainNode(name: string): Promise<DrainResponse> {
    return this.json('POST', `/api/cluster/nodes/${encodeURIComponent(name)}/drain`);
  }

  undrainNode(name: string): Promise<DrainResponse> {
    return this.json('POST', `/api/cluster/nodes/${encodeURIComponent(name)}/undrain`);
  }

  /** A join token for `corral serve --join` (admin): an API key with the `node` role, its secret shown once. */
  createJoinToken(req: CreateJoinTokenRequest): Promise<CreatedKey> {
    return this.json('POST', '/api/cluster/join-tokens', req);
  }

  /** A joined node registers through a gateway (the client's key is its join token). */
  clusterJoin(req: JoinRequest): Promise<JoinResponse> {
    return this.json('POST', '/api/cluster/join', req);
  }

  clusterHeartbeat(id: string, req: JoinHeartbeatRequest): Promise<JoinUpdateResponse> {
    return this.json('POST', `/api/cluster/join/${encodeURIComponent(id)}/heartbeat`, req);
  }

  clusterNodeState(id: string, req: JoinStateRequest): Promise<JoinUpdateResponse> {
    return this.json('POST', `/api/cluster/join/${encodeURIComponent(id)}/state`, req);
  }

  /** The audit log, newest first; every filter is optional. */
  audit(query: Record<string, string | number | undefined> = {}): Promise<AuditResponse> {
    return this.json('GET', `/api/admin/audit${queryString(query)}`);
  }

  async hasBlob(digest: string): Promise<boolean> {
    try {
      await this.request('HEAD', `/api/blobs/${digest}`);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    }
  }

  /** Upload a blob; the server verifies it hashes to `digest`. */
  async pushBlob(digest: string, body: UploadBody, signal?: AbortSignal): Promise<void> {
    await this.request('POST', `/api/blobs/${digest}`, body, signal);
  }
}

/** `?k=v&…` of the defined values, or `''`. */
function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  return params.size > 0 ? `?${params.toString()}` : '';
}

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text();
  const error = errorBodyMessage(text);
  if (error !== undefined) return new ApiError(error.message, res.status, error.code);
  // Not an error body (a proxy's HTML page, an empty HEAD answer): the text or the status line.
  return new ApiError(text.trim() || `${res.status} ${res.statusText}`, res.status);
}
