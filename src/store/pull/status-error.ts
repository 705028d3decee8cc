/** Turns an unexpected HTTP answer from a registry or Hugging Face into the error callers report or retry. */
import { AppError } from '../../core/index.js';
import { errorText, type HttpResponse } from './http-client.js';
import { isTransientStatus, RetryableError } from './retry.js';

/**
 * The error for an unexpected registry answer: `REGISTRY_UNAUTHORIZED` for 401/403, a retryable error for
 * 408/429/5xx, `REGISTRY_ERROR` otherwise. Consumes the body.
 */
export async function statusError(res: HttpResponse, what: string): Promise<Error> {
  const message = `${what}: ${res.url.host} answered ${res.status} ${await errorText(res)}`.trim();
  if (res.status === 401 || res.status === 403) return new AppError('REGISTRY_UNAUTHORIZED', message);
  if (isTransientStatus(res.status)) return new RetryableError(message, 'REGISTRY_ERROR');
  return new AppError('REGISTRY_ERROR', message);
}
