/**
 * Turns any thrown value into an `AppError` and renders it in the caller's dialect: Ollama clients get
 * `{"error": "…"}`, OpenAI clients (`/v1/*`) get `{"error": {"message", "type", "code"}}`, Anthropic clients
 * (`/v1/messages*`) get `{"type": "error", "error": {"type", "message"}}`.
 */
import type { AnthropicErrorBody, AnthropicErrorType } from '../api/index.js';
import { AppError, isAppError } from '../core/index.js';

export type Dialect = 'ollama' | 'openai' | 'anthropic';

/** Normalize an unknown failure; unexpected ones become `INTERNAL` with the original as `cause`. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new AppError('CANCELLED', 'the request was cancelled', { cause: err });
  }
  // Node's http server fails the body read with `Error('aborted')`/ECONNRESET when the client disconnects while
  // still sending its body (issue #10, test/chaos/disconnect-soak.test.ts): the client left, the server did not fail.
  if (
    err instanceof Error &&
    (err as NodeJS.ErrnoException).code === 'ECONNRESET' &&
    err.message === 'aborted'
  ) {
    return new AppError('CANCELLED', 'the client disconnected while sending the request', { cause: err });
  }
  // A full disk (or quota) under any store write — blob, manifest, upload — is the operator's to fix, not a bug:
  // 507 INSUFFICIENT_DISK rather than INTERNAL (issue #10, test/chaos/store-faults.test.ts). Pulls map it
  // themselves with a more specific message (store/pull/fetch-part.ts `diskError`).
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AppError('INSUFFICIENT_DISK', 'the disk is full: free some space and try again', {
      cause: err,
    });
  }
  return new AppError('INTERNAL', 'internal server error', { cause: err });
}

const OPENAI_TYPES: Partial<Record<AppError['code'], string>> = {
  UNAUTHORIZED: 'authentication_error',
  FORBIDDEN: 'permission_error',
  MODEL_NOT_FOUND: 'not_found_error',
  NOT_FOUND: 'not_found_error',
  RATE_LIMITED: 'rate_limit_error',
};

/** Anthropic's error types; the rest are `invalid_request_error` (4xx) or `api_error` (5xx). */
const ANTHROPIC_TYPES: Partial<Record<AppError['code'], AnthropicErrorType>> = {
  UNAUTHORIZED: 'authentication_error',
  FORBIDDEN: 'permission_error',
  MODEL_NOT_FOUND: 'not_found_error',
  NOT_FOUND: 'not_found_error',
  RATE_LIMITED: 'rate_limit_error',
  PAYLOAD_TOO_LARGE: 'request_too_large',
  QUEUE_FULL: 'overloaded_error',
};

/** Anthropic's error body (also the data of a stream's `error` event). */
export function anthropicErrorBody(err: AppError): AnthropicErrorBody {
  const type = ANTHROPIC_TYPES[err.code] ?? (err.status < 500 ? 'invalid_request_error' : 'api_error');
  return { type: 'error', error: { type, message: err.message } };
}

/** The JSON body for an error in a dialect. */
export function errorBody(err: AppError, dialect: Dialect): object {
  if (dialect === 'ollama') return { error: err.message };
  if (dialect === 'anthropic') return anthropicErrorBody(err);
  const type = OPENAI_TYPES[err.code] ?? (err.status < 500 ? 'invalid_request_error' : 'api_error');
  const field = err.details?.field;
  return {
    error: { message: err.message, type, param: typeof field === 'string' ? field : null, code: err.code },
  };
}

/** Which dialect a request path speaks. */
export function dialectOf(path: string): Dialect {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  return path.startsWith('/v1/') ? 'openai' : 'ollama';
}
