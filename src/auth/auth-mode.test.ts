import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.js';
import { resolveAuthMode } from './auth-mode.js';

describe('resolveAuthMode', () => {
  it.each([
    ['auto', '127.0.0.1', false],
    ['auto', 'localhost', false],
    ['auto', '::1', false],
    ['auto', '0.0.0.0', true],
    ['auto', '192.168.1.10', true],
    ['on', '127.0.0.1', true],
    ['off', '127.0.0.1', false],
  ] as const)('%s on %s → enabled %s', (auth, hostname, enabled) => {
    expect(resolveAuthMode({ auth, hostname, insecureNoAuth: false }).enabled).toBe(enabled);
  });

  it('refuses auth off beyond loopback unless forced, and warns when forced', () => {
    let error: unknown;
    try {
      resolveAuthMode({ auth: 'off', hostname: '0.0.0.0', insecureNoAuth: false });
    } catch (err) {
      error = err;
    }
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/refusing to listen on 0\.0\.0\.0.*CORRAL_INSECURE_NO_AUTH/);
    const forced = resolveAuthMode({ auth: 'off', hostname: '0.0.0.0', insecureNoAuth: true });
    expect(forced).toEqual({
      enabled: false,
      warning: expect.stringMatching(/anyone who can reach/) as string,
    });
  });
});
