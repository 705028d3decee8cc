/**
 * Every Corral setting in one table: its schema (with the default), its `CORRAL_*` variable, its `serve` flag and
 * its description. `docs/config.md` and `corral serve --help` are generated from this table.
 */
import { z } from 'zod';
import { parseBytes, parseDuration } from '../lib/index.js';

/** `host:port`, `:port`, `host`, or an `http://host:port` URL, as Ollama's OLLAMA_HOST. */
export const hostSchema = z.string().transform((raw, ctx) => {
  const text = raw
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]*)(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] === undefined ? 11434 : Number(m[2]);
  if (!m || port < 0 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `invalid host "${raw}" (use host:port, e.g. 127.0.0.1:11434)` });
    return z.NEVER;
  }
  const hostname = (m[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
  return { hostname, port };
});

const duration = (example: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; e.g. ${example}` });
      return z.NEVER;
    }
  });

const bytes = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseBytes(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''));

const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

interface Setting<S extends z.ZodType> {
  schema: S;
  env: `CORRAL_${string}`;
  /** A conventional variable read when `env` is unset (`HF_TOKEN`). */
  fallbackEnv?: string;
  flag: string;
  /** Raw default (before parsing); undefined when derived from another setting. */
  default: string | number | undefined;
  /** How the default reads in documentation. */
  defaultDoc?: string;
  description: string;
  secret?: boolean;
  /** An on/off switch: its flag takes no value (`--insecure-no-auth`). */
  boolean?: true;
}

function setting<S extends z.ZodType>(s: Setting<S>): Setting<S> {
  return s;
}

export const settings = {
  host: setting({
    schema: hostSchema,
    env: 'CORRAL_HOST',
    flag: '--host',
    default: '127.0.0.1:11434',
    description:
      'Address the server listens on (port 0 picks a free port); the CLI uses it to find the server too.',
  }),
  home: setting({
    schema: z.string().min(1),
    env: 'CORRAL_HOME',
    flag: '--home',
    default: undefined,
    defaultDoc: '`~/.corral`',
    description: 'Directory for the database, models, logs and calibration data.',
  }),
  models: setting({
    schema: z.string().min(1),
    env: 'CORRAL_MODELS',
    flag: '--models',
    default: undefined,
    defaultDoc: '`$CORRAL_HOME/models`',
    description: 'Model store directory (blobs and manifests).',
  }),
  keepAlive: setting({
    schema: duration('5m, 30s, -1 (forever)'),
    env: 'CORRAL_KEEP_ALIVE',
    flag: '--keep-alive',
    default: '5m',
    description:
      'How long an idle model stays loaded; a negative value keeps it loaded forever, 0 unloads at once.',
  }),
  numParallel: setting({
    schema: int(1, 64),
    env: 'CORRAL_NUM_PARALLEL',
    flag: '--num-parallel',
    default: 4,
    description: 'Concurrent requests per loaded model, evaluated together in shared batches.',
  }),
  maxLoadedModels: setting({
    schema: int(1, 64),
    env: 'CORRAL_MAX_LOADED_MODELS',
    flag: '--max-loaded-models',
    default: 3,
    description: 'Most models loaded at once.',
  }),
  maxQueue: setting({
    schema: int(1, 100_000),
    env: 'CORRAL_MAX_QUEUE',
    flag: '--max-queue',
    default: 512,
    description: 'Most requests waiting for a model; beyond it requests fail at once with QUEUE_FULL (503).',
  }),
  contextLength: setting({
    schema: int(64, 1_048_576),
    env: 'CORRAL_CONTEXT_LENGTH',
    flag: '--context-length',
    default: 4096,
    description:
      'Default context length per request when neither the request nor the Modelfile sets num_ctx.',
  }),
  threads: setting({
    schema: int(0, 1024),
    env: 'CORRAL_THREADS',
    flag: '--threads',
    default: 0,
    description: 'CPU threads shared by all runners; 0 means the number of cores.',
  }),
  gpu: setting({
    schema: z.enum(['auto', 'cpu', 'cuda', 'vulkan', 'metal']),
    env: 'CORRAL_GPU',
    flag: '--gpu',
    default: 'auto',
    description: 'Accelerator for runners: auto, cpu, cuda, vulkan or metal.',
  }),
  memoryLimit: setting({
    schema: bytes,
    env: 'CORRAL_MEMORY_LIMIT',
    flag: '--memory-limit',
    default: 0,
    description: 'Cap on memory used by loaded models (e.g. 8GiB); 0 means the free memory of the machine.',
  }),
  loadTimeout: setting({
    schema: duration('5m'),
    env: 'CORRAL_LOAD_TIMEOUT',
    flag: '--load-timeout',
    default: '5m',
    description: 'Longest a runner may take to start and load a model before it is killed.',
  }),
  requestTimeout: setting({
    schema: duration('10m, 90s, 0 (none)'),
    env: 'CORRAL_REQUEST_TIMEOUT',
    flag: '--request-timeout',
    default: '0',
    description:
      'Longest an inference request may take, queueing included, unless it sets `timeout`; 0 means no limit.',
  }),
  shutdownGrace: setting({
    schema: duration('10s, 1m, 0 (cancel at once)'),
    env: 'CORRAL_SHUTDOWN_GRACE',
    flag: '--shutdown-grace',
    default: '10s',
    description:
      'On SIGTERM/SIGINT, how long requests in flight may run on before they are cancelled (new connections are refused at once).',
  }),
  origins: setting({
    schema: list,
    env: 'CORRAL_ORIGINS',
    flag: '--origins',
    default: '',
    description: 'Extra allowed CORS origins, comma-separated (localhost origins are always allowed).',
  }),
  maxBodySize: setting({
    schema: bytes,
    env: 'CORRAL_MAX_BODY_SIZE',
    flag: '--max-body-size',
    default: '32MiB',
    description: 'Largest accepted request body (blob uploads excepted).',
  }),
  logLevel: setting({
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    env: 'CORRAL_LOG_LEVEL',
    flag: '--log-level',
    default: 'info',
    description: 'Log level: trace, debug, info, warn, error, fatal or silent.',
  }),
  pullParts: setting({
    schema: int(1, 64),
    env: 'CORRAL_PULL_PARTS',
    flag: '--pull-parts',
    default: 4,
    description: 'Most parallel ranged requests per blob when pulling a large model layer.',
  }),
  pullMaxBps: setting({
    schema: bytes,
    env: 'CORRAL_PULL_MAX_BPS',
    flag: '--pull-max-bps',
    default: 0,
    description:
      'Download bandwidth limit in bytes per second (e.g. 2MB = 2,000,000, 500KiB = 512,000), shared by every pull of the server; 0 means unlimited.',
  }),
  pullStallTimeout: setting({
    schema: duration('30s, 2m').refine((ms) => ms > 0 && Number.isFinite(ms), {
      message: 'must be a positive duration, e.g. 30s',
    }),
    env: 'CORRAL_PULL_STALL_TIMEOUT',
    flag: '--pull-stall-timeout',
    default: '30s',
    description:
      'A pull connection that receives nothing for this long is dropped and resumed where it stopped (time paused by the bandwidth limit does not count).',
  }),
  registryMirrors: setting({
    schema: list.pipe(
      z.array(
        z
          .url({ protocol: /^https?$/, error: 'each mirror must be an http:// or https:// URL' })
          .transform((u) => u.replace(/\/+$/, '')),
      ),
    ),
    env: 'CORRAL_REGISTRY_MIRRORS',
    flag: '--registry-mirrors',
    default: '',
    description:
      'Mirrors of registry.ollama.ai, comma-separated base URLs (http://mirror1:5000,https://mirror2), tried in order before it for manifests and blobs; other registries are not mirrored.',
  }),
  python: setting({
    schema: z.string(),
    env: 'CORRAL_PYTHON',
    flag: '--python',
    default: '',
    description:
      'Python interpreter with PyTorch that runs fine-tuning jobs; empty means the first of `python3` and `/usr/bin/python3` that can import torch.',
  }),
  trainStallTimeout: setting({
    schema: duration('5m, 30m').refine((ms) => ms > 0 && Number.isFinite(ms), {
      message: 'must be a positive duration, e.g. 10m',
    }),
    env: 'CORRAL_TRAIN_STALL_TIMEOUT',
    flag: '--train-stall-timeout',
    default: '10m',
    description:
      'A fine-tuning trainer that reports nothing for this long is stopped and its job fails (it can be resumed).',
  }),
  hfEndpoint: setting({
    schema: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    env: 'CORRAL_HF_ENDPOINT',
    flag: '--hf-endpoint',
    default: 'https://huggingface.co',
    description: 'Base URL of the Hugging Face Hub used by `corral pull hf.co/<user>/<repo>[:<quant>]`.',
  }),
  hfToken: setting({
    schema: z.string(),
    env: 'CORRAL_HF_TOKEN',
    fallbackEnv: 'HF_TOKEN',
    flag: '--hf-token',
    default: '',
    defaultDoc: '`$HF_TOKEN`, else none',
    description: 'Hugging Face access token for gated or private repositories (also read from HF_TOKEN).',
    secret: true,
  }),
  auth: setting({
    schema: z.enum(['auto', 'on', 'off']),
    env: 'CORRAL_AUTH',
    flag: '--auth',
    default: 'auto',
    description:
      'Require API keys or console sessions: on, off, or auto (off when listening on loopback only, on otherwise).',
  }),
  insecureNoAuth: setting({
    schema: flag,
    env: 'CORRAL_INSECURE_NO_AUTH',
    flag: '--insecure-no-auth',
    default: 'false',
    boolean: true,
    description:
      'Allow listening beyond loopback with auth off. Anyone who can reach the port gets full control.',
  }),
  databaseUrl: setting({
    schema: z.string().refine((u) => u === '' || /^postgres(ql)?:\/\//.test(u), {
      message: 'must be a postgres:// URL, or empty for the SQLite file in CORRAL_HOME',
    }),
    env: 'CORRAL_DATABASE_URL',
    flag: '--database-url',
    default: '',
    defaultDoc: 'none: SQLite at `$CORRAL_HOME/corral.db`',
    description: 'PostgreSQL URL (postgres://user:pass@host/db) for clusters; empty uses the SQLite file.',
    secret: true,
  }),
  rateLimit: setting({
    schema: int(0, 1_000_000),
    env: 'CORRAL_RATE_LIMIT',
    flag: '--rate-limit',
    default: 0,
    description: 'Requests per minute allowed per API key that sets no limit of its own; 0 means unlimited.',
  }),
  maxConcurrentPerKey: setting({
    schema: int(0, 100_000),
    env: 'CORRAL_MAX_CONCURRENT_PER_KEY',
    flag: '--max-concurrent-per-key',
    default: 0,
    description: 'Requests in flight allowed per API key that sets no limit of its own; 0 means unlimited.',
  }),
  sessionTtl: setting({
    schema: duration('24h, 168h'),
    env: 'CORRAL_SESSION_TTL',
    flag: '--session-ttl',
    default: '168h',
    description: 'How long a web console login lasts.',
  }),
  tlsCert: setting({
    schema: z.string(),
    env: 'CORRAL_TLS_CERT',
    flag: '--tls-cert',
    default: '',
    defaultDoc: 'none (plain HTTP)',
    description: 'PEM certificate (chain) file: serve HTTPS only. Needs CORRAL_TLS_KEY; reloaded on SIGHUP.',
  }),
  tlsKey: setting({
    schema: z.string(),
    env: 'CORRAL_TLS_KEY',
    flag: '--tls-key',
    default: '',
    defaultDoc: 'none',
    description: 'PEM private key file of CORRAL_TLS_CERT; reloaded on SIGHUP.',
  }),
  role: setting({
    schema: z.enum(['standalone', 'node']),
    env: 'CORRAL_ROLE',
    flag: '--role',
    default: 'standalone',
    description:
      'standalone, or node: join the cluster in CORRAL_DATABASE_URL (register, heartbeat) so gateways route to it.',
  }),
  nodeName: setting({
    schema: z.string().refine((n) => n === '' || /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(n), {
      message: 'use letters, digits, ".", "_" and "-" (at most 63 characters)',
    }),
    env: 'CORRAL_NODE_NAME',
    flag: '--node-name',
    default: '',
    defaultDoc: "the machine's hostname",
    description: 'Unique name of this node in the cluster (CORRAL_ROLE=node).',
  }),
  nodeUrl: setting({
    schema: z.string().refine((u) => u === '' || /^https?:\/\/[^\s]+$/.test(u), {
      message: 'must be an http:// or https:// URL, or empty',
    }),
    env: 'CORRAL_NODE_URL',
    flag: '--node-url',
    default: '',
    defaultDoc: 'derived from the listen address',
    description: 'URL gateways reach this node at (CORRAL_ROLE=node); set it when listening on 0.0.0.0.',
  }),
  heartbeatInterval: setting({
    schema: duration('3s, 500ms'),
    env: 'CORRAL_HEARTBEAT_INTERVAL',
    flag: '--heartbeat-interval',
    default: '3s',
    description:
      'How often a node heartbeats; gateways judge a node not ready after three intervals without one.',
  }),
  pullOnDemand: setting({
    schema: flag,
    env: 'CORRAL_PULL_ON_DEMAND',
    flag: '--pull-on-demand',
    default: 'false',
    boolean: true,
    description:
      'Gateway: a request for a model no ready node has pulls it onto the best node first (instead of a 404).',
  }),
  joinUrl: setting({
    schema: z.string().refine((u) => u === '' || /^https?:\/\/[^\s]+$/.test(u), {
      message: 'must be the http:// or https:// URL of a gateway, or empty',
    }),
    env: 'CORRAL_JOIN_URL',
    flag: '--join',
    default: '',
    defaultDoc: 'none',
    description:
      'Join a cluster through this gateway instead of its database (nodes behind NAT): implies CORRAL_ROLE=node without CORRAL_DATABASE_URL; the node opens a tunnel to the gateway. Needs CORRAL_JOIN_TOKEN.',
  }),
  joinToken: setting({
    schema: z.string(),
    env: 'CORRAL_JOIN_TOKEN',
    flag: '--token',
    default: '',
    defaultDoc: 'none',
    description:
      'Join token for CORRAL_JOIN_URL: an API key with the node role (`corral cluster join-token`).',
    secret: true,
  }),
  gatewayUrl: setting({
    schema: z.string().refine((u) => u === '' || /^https?:\/\/[^\s]+$/.test(u), {
      message: 'must be an http:// or https:// URL, or empty',
    }),
    env: 'CORRAL_GATEWAY_URL',
    flag: '--gateway-url',
    default: '',
    defaultDoc: 'derived from the listen address',
    description:
      'URL other gateways reach this gateway at (`corral gateway`): it relays requests to the nodes whose tunnels it holds; set it when listening on 0.0.0.0.',
  }),
  configFile: setting({
    schema: z.string().min(1),
    env: 'CORRAL_CONFIG',
    flag: '--config',
    default: undefined,
    defaultDoc: '`$CORRAL_HOME/config.json` when present',
    description: 'JSON file with settings (keys as in this table); environment and flags override it.',
  }),
} as const;

export type SettingKey = keyof typeof settings;

/** The validated, frozen configuration. */
export type Config = { readonly [K in SettingKey]: z.output<(typeof settings)[K]['schema']> };
