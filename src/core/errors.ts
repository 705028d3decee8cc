/**
 * The one error type of Corral. Every failure that reaches a user carries a stable `code`; the HTTP layer maps
 * it through {@link errorCatalog} (a `Record` over the code union, so a code without a status is a compile error).
 * `docs/errors.md` is generated from the catalogue and checked by a test.
 */
export const errorCatalog = {
  INVALID_REQUEST: {
    status: 400,
    description: 'The request body or query failed validation; the message names the field.',
  },
  INVALID_MODEL_NAME: {
    status: 400,
    description:
      'A model name is malformed or could escape the model store (`..`, absolute paths, bad characters).',
  },
  INVALID_MODELFILE: {
    status: 400,
    description: 'A Modelfile could not be parsed; the message gives line and column.',
  },
  INVALID_GGUF: {
    status: 400,
    description: 'A file is not a valid GGUF model (wrong magic, truncated, absurd counts).',
  },
  INVALID_MODEL_FOLDER: {
    status: 400,
    description:
      'A Hugging Face model folder cannot be converted to GGUF (missing or truncated safetensors, unknown dtype, unsupported architecture or tokenizer); the message names the file and the problem.',
  },
  INVALID_DIGEST: { status: 400, description: 'A digest is not of the form `sha256:<64 hex>`.' },
  DIGEST_MISMATCH: {
    status: 400,
    description: 'Uploaded or downloaded bytes do not hash to the expected digest.',
  },
  MODEL_NOT_FOUND: { status: 404, description: 'No model of that name exists in the store.' },
  BLOB_NOT_FOUND: { status: 404, description: 'No blob with that digest exists in the store.' },
  FILE_NOT_FOUND: {
    status: 400,
    description: 'A file named in a request or Modelfile does not exist or is not readable.',
  },
  NOT_FOUND: { status: 404, description: 'No route matches the request path.' },
  METHOD_NOT_ALLOWED: { status: 405, description: 'The route exists but not for this HTTP method.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The request body is larger than the configured limit.' },
  FORBIDDEN_HOST: {
    status: 403,
    description: 'The Host header is not allowed (protection against DNS rebinding when bound to loopback).',
  },
  UNAUTHORIZED: { status: 401, description: 'Authentication is required and was missing or invalid.' },
  FORBIDDEN: {
    status: 403,
    description: 'The caller is authenticated but its role does not allow this action.',
  },
  RATE_LIMITED: {
    status: 429,
    description: 'Too many requests from this caller; retry after the indicated time.',
  },
  CONFLICT: {
    status: 409,
    description:
      'A user, key or profile of that name already exists, or the change conflicts with current state.',
  },
  RESOURCE_NOT_FOUND: {
    status: 404,
    description: 'No user, API key, profile, job, cluster node or deployment with that id exists.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    description:
      'The database (SQLite file or PostgreSQL server) cannot be reached or answered with an error.',
  },
  QUEUE_FULL: { status: 503, description: 'The request queue is full; retry later.' },
  INSUFFICIENT_MEMORY: {
    status: 507,
    description: 'The model can never fit in the memory available to Corral.',
  },
  RUNNER_FAILED: {
    status: 500,
    description:
      'The runner process serving the model crashed or failed; the message carries its last error lines.',
  },
  RUNNER_TIMEOUT: {
    status: 504,
    description: 'A runner did not start, load or answer within its time limit.',
  },
  TRAINER_UNAVAILABLE: {
    status: 503,
    description:
      'Fine-tuning needs Python 3 with PyTorch (`apt-get install python3-torch` or `pip install torch`), and none was found; set `CORRAL_PYTHON` to such an interpreter.',
  },
  REQUEST_TIMEOUT: {
    status: 504,
    description:
      'The request ran longer than its timeout (`timeout` in the request, or `CORRAL_REQUEST_TIMEOUT`).',
  },
  CANCELLED: { status: 499, description: 'The request was cancelled by the client or an operator.' },
  SERVER_UNREACHABLE: {
    status: 503,
    description:
      'The CLI could not reach the Corral server (is `corral serve` running?), or a node joining through a gateway (`--join`) could not reach the gateway.',
  },
  REGISTRY_UNAUTHORIZED: {
    status: 401,
    description:
      'A model registry or Hugging Face refused access (401/403): the model is private, or a token is missing or wrong.',
  },
  REGISTRY_ERROR: {
    status: 502,
    description:
      'A model registry or Hugging Face answered with an error or invalid data (a 5xx after retries, a bad manifest).',
  },
  NETWORK_ERROR: {
    status: 502,
    description:
      'A model registry or Hugging Face could not be reached, or the connection kept failing after retries.',
  },
  NODE_UNAVAILABLE: {
    status: 503,
    description:
      'A cluster gateway found no node able to serve the request: every candidate failed, was busy or is cooling down.',
  },
  INSUFFICIENT_DISK: {
    status: 507,
    description: 'Not enough free disk space for a pull; refused before downloading, or the disk filled up.',
  },
  PULL_NOT_FOUND: {
    status: 404,
    description: 'No pull of that model is in progress or interrupted (`DELETE /api/pull`).',
  },
  LISTEN_FAILED: {
    status: 500,
    description: 'The server could not listen on its address (in use, or not allowed); set `CORRAL_HOST`.',
  },
  CONFIG_INVALID: { status: 500, description: 'The configuration is invalid; every problem is listed.' },
  STORE_CORRUPT: {
    status: 500,
    description: 'The model store on disk is inconsistent (a manifest names a missing blob).',
  },
  INTERNAL: { status: 500, description: 'An unexpected failure; the server log has details.' },
} as const satisfies Record<string, { status: number; description: string }>;

/** Every error code Corral can report. */
export type ErrorCode = keyof typeof errorCatalog;

/** HTTP status for an error code. */
export function statusOf(code: ErrorCode): number {
  return errorCatalog[code].status;
}

/** The error type thrown for every expected failure. `details` is safe to show to the caller. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return statusOf(this.code);
  }
}

/** True when `err` is an {@link AppError}, optionally of one code. */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
