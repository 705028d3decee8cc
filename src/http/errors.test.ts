import { describe, expect, it } from 'vitest';
import { AppError } from '../core/index.js';
import { dialectOf, errorBody } from './errors.js';

describe('dialectOf', () => {
  it.each([
    ['/api/chat', 'ollama'],
    ['/v1/chat/completions', 'openai'],
    ['/v1/responses', 'openai'],
    ['/v1/messages', 'anthropic'],
    ['/v1/messages/count_tokens', 'anthropic'],
    ['/v1/messagesx', 'openai'],
  ])('%s speaks %s', (path, dialect) => {
    expect(dialectOf(path)).toBe(dialect);
  });
});

describe('errorBody for Anthropic', () => {
  it.each([
    ['INVALID_REQUEST', 'invalid_request_error'],
    ['UNAUTHORIZED', 'authentication_error'],
    ['FORBIDDEN', 'permission_error'],
    ['MODEL_NOT_FOUND', 'not_found_error'],
    ['NOT_FOUND', 'not_found_error'],
    ['PAYLOAD_TOO_LARGE', 'request_too_large'],
    ['RATE_LIMITED', 'rate_limit_error'],
    ['QUEUE_FULL', 'overloaded_error'],
    ['RUNNER_FAILED', 'api_error'],
    ['INTERNAL', 'api_error'],
  ] as const)('%s is %s', (code, type) => {
    expect(errorBody(new AppError(code, 'why'), 'anthropic')).toStrictEqual({
      type: 'error',
      error: { type, message: 'why' },
    });
  });
});
