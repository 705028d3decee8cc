import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/index.js';
import { giveUp, RetryableError } from './retry.js';
import { allSourcesFailed, fallbackPolicy, isSourceFailure } from './source-fallback.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

describe('isSourceFailure', () => {
  it.each([
    ['a refused connection', refused, true],
    ['a retryable 5xx', new RetryableError('503', 'REGISTRY_ERROR'), true],
    ['retries that ran out', giveUp('x', refused, 3), true],
    ['a 404', new AppError('REGISTRY_ERROR', 'no such blob (404)'), true],
    ['a missing manifest', new AppError('MODEL_NOT_FOUND', 'nope'), true],
    ['refused credentials', new AppError('REGISTRY_UNAUTHORIZED', 'no'), true],
    ['corrupt bytes', new AppError('DIGEST_MISMATCH', 'corrupt'), true],
    ['a cancel', new AppError('CANCELLED', 'cancelled'), false],
    ['a full disk', new AppError('INSUFFICIENT_DISK', 'full'), false],
    ['a local bug', new TypeError('x is undefined'), false],
  ])('%s → %s', (_, err, want) => {
    expect(isSourceFailure(err)).toBe(want);
  });
});

describe('allSourcesFailed', () => {
  it("keeps the last source's code and names every source with its own reason", () => {
    const err = allSourcesFailed('pulling manifest of m', [
      { source: 'mirror http://a', err: giveUp('pulling manifest of m from mirror http://a', refused, 2) },
      {
        source: 'registry.ollama.ai',
        err: new AppError('MODEL_NOT_FOUND', 'model "m" not found', { details: { model: 'm' } }),
      },
    ]);
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toBe(
      'pulling manifest of m failed from every source: mirror http://a (failed after 2 attempts: connect ECONNREFUSED 127.0.0.1:1); registry.ollama.ai (model "m" not found)',
    );
    expect(err.details).toEqual({ model: 'm', sources: ['mirror http://a', 'registry.ollama.ai'] });
  });

  it('reports NETWORK_ERROR when the last failure is a bare network error', () => {
    expect(allSourcesFailed('x', [{ source: 'a', err: refused }]).code).toBe('NETWORK_ERROR');
  });
});

describe('fallbackPolicy', () => {
  it('gives a source with another behind it one retry at most', () => {
    expect(fallbackPolicy({ retries: 6, baseMs: 100, maxMs: 10_000 })).toEqual({
      retries: 1,
      baseMs: 100,
      maxMs: 10_000,
    });
    expect(fallbackPolicy({ retries: 0, baseMs: 1, maxMs: 1 }).retries).toBe(0);
  });
});
