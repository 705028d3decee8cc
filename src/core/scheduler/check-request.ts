/** Validation of scheduler options and acquire requests. Internal to the scheduler. */
import { AppError } from '../errors.js';
import { estimateMemory } from './estimate-memory.js';
import type { AcquireRequest, SchedulerOptions } from './types.js';

/** The largest time a JavaScript Date holds, in ms since the epoch. */
const MAX_DATE_MS = 8.64e15;

const isCount = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;

/** Throws `RangeError` listing every invalid option: options come from validated config, so this is a bug. */
export function checkOptions(options: SchedulerOptions): void {
  const problems: string[] = [];
  if (!isCount(options.coreBudget, 1)) problems.push('coreBudget must be an integer >= 1');
  if (!(isCount(options.maxLoadedModels, 1) || options.maxLoadedModels === Infinity))
    problems.push('maxLoadedModels must be an integer >= 1 or Infinity');
  if (!isCount(options.maxQueue, 0)) problems.push('maxQueue must be an integer >= 0');
  if (!isCount(options.numParallel, 1)) problems.push('numParallel must be an integer >= 1');
  if (!(options.defaultKeepAliveMs >= 0))
    problems.push('defaultKeepAliveMs must be >= 0 (Infinity: forever)');
  if (options.loadTimeoutMs !== undefined && !(options.loadTimeoutMs > 0))
    problems.push('loadTimeoutMs must be > 0 (Infinity: no limit)');
  if (problems.length > 0) throw new RangeError(`invalid scheduler options: ${problems.join('; ')}`);
}

/**
 * Check a request and return it normalised (a negative keep-alive means forever, as in Ollama), with the bytes its
 * model needs at the requested context size. Throws `INVALID_REQUEST`.
 */
export function checkRequest(
  request: AcquireRequest,
  numParallel: number,
): { request: AcquireRequest; bytes: number } {
  const problems: string[] = [];
  if (request.modelKey === '') problems.push('modelKey is empty');
  if (request.modelPath === '') problems.push('modelPath is empty');
  if (!isCount(request.contextSize, 1)) problems.push('contextSize must be an integer >= 1');
  if (request.threads !== undefined && !isCount(request.threads, 1))
    problems.push('threads must be an integer >= 1');
  if (request.keepAliveMs !== undefined && Number.isNaN(request.keepAliveMs))
    problems.push('keepAliveMs is NaN');
  const bytes =
    typeof request.estimate === 'number'
      ? request.estimate
      : estimateMemory({ ...request.estimate, contextSize: request.contextSize, parallel: numParallel });
  if (!(bytes >= 0) || !Number.isFinite(bytes))
    problems.push('estimate must be a finite number of bytes >= 0');
  if (problems.length > 0) {
    throw new AppError('INVALID_REQUEST', `invalid model request: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  // Negative means forever (Ollama); so does a keep-alive past what a Date can hold (±8.64e15 ms): without
  // this, `keep_alive: 9007199254740994` made the expiry an Invalid Date and the request a 500 (issue #10,
  // test/chaos/fuzz-routes.test.ts).
  const keepAliveMs =
    request.keepAliveMs !== undefined && (request.keepAliveMs < 0 || request.keepAliveMs > MAX_DATE_MS / 2)
      ? Infinity
      : request.keepAliveMs;
  return { request: { ...request, keepAliveMs }, bytes };
}
