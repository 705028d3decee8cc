import { describe, expect, it } from 'vitest';
import { parseChallenge } from './registry-auth.js';

describe('parseChallenge', () => {
  it.each([
    {
      header:
        'Bearer realm="https://ollama.com:443/token",service="ollama.com",scope="repository:library/llama3:pull"',
      want: {
        scheme: 'bearer',
        params: {
          realm: 'https://ollama.com:443/token',
          service: 'ollama.com',
          scope: 'repository:library/llama3:pull',
        },
      },
    },
    {
      header:
        'Bearer realm="https://auth.docker.io/token", service="registry.docker.io", scope="repository:a/b:pull,push"',
      want: {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:a/b:pull,push',
        },
      },
    },
    {
      header: 'Basic realm="Registry Realm"',
      want: { scheme: 'basic', params: { realm: 'Registry Realm' } },
    },
    {
      header: 'Bearer realm=https://x/token,Service=reg',
      want: { scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } },
    },
    {
      header: 'Bearer realm="a \\"quoted\\" realm"',
      want: { scheme: 'bearer', params: { realm: 'a "quoted" realm' } },
    },
    { header: 'Bearer', want: { scheme: 'bearer', params: {} } },
  ])('parses $header', ({ header, want }) => {
    expect(parseChallenge(header)).toEqual(want);
  });

  it('has nothing to parse in an empty header', () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
  });
});
