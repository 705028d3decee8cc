/**
 * Whether a server requires credentials: `CORRAL_AUTH=on|off`, or `auto` (off on loopback, on otherwise).
 * Listening beyond loopback with auth off is refused unless `CORRAL_INSECURE_NO_AUTH` forces it.
 */
import { AppError } from '../core/index.js';
import { isLoopback } from '../lib/index.js';

export interface AuthModeInput {
  auth: 'auto' | 'on' | 'off';
  insecureNoAuth: boolean;
  hostname: string;
}

/** `{ enabled, warning }`; throws `CONFIG_INVALID` for an open server without auth that was not forced. */
export function resolveAuthMode(input: AuthModeInput): { enabled: boolean; warning?: string } {
  const local = isLoopback(input.hostname);
  if (input.auth === 'on' || (input.auth === 'auto' && !local)) return { enabled: true };
  if (local) return { enabled: false };
  if (!input.insecureNoAuth) {
    throw new AppError(
      'CONFIG_INVALID',
      `refusing to listen on ${input.hostname} with CORRAL_AUTH=off: anyone who can reach the port would ` +
        'control the server. Turn auth on, listen on 127.0.0.1, or set CORRAL_INSECURE_NO_AUTH=true to force it.',
    );
  }
  return {
    enabled: false,
    warning: `auth is off while listening on ${input.hostname}: anyone who can reach the port controls this server`,
  };
}
