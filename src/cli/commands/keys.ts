import type { Command } from '../command.js';
import { parseCommandArgs } from '../command.js';
import { table, timeAgo } from '../format.js';
import { clientFor, print, UsageError } from '../io.js';

const when = (iso: string | null, never = '-') => (iso === null ? never : timeAgo(new Date(iso)));
const positive = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive whole number`);
  return n;
};

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Create, list and revoke API keys (admin)',
  usage: [
    'corral keys create NAME --role ROLE [--user NAME] [--expires 720h] [--rate-limit N] [--max-concurrent N]',
    '  corral keys list',
    '  corral keys revoke ID',
    '',
    'Roles: admin, operator, user, viewer, and node: a join token for `corral serve --join` (see also',
    '`corral cluster join-token`). The new key is printed once; store it safely.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      role: { type: 'string' },
      user: { type: 'string' },
      expires: { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-concurrent': { type: 'string' },
    });
    const [action, arg] = positionals;
    const client = clientFor(io);
    if (action === 'create' && arg !== undefined) {
      if (values.role === undefined) throw new UsageError('--role is required');
      const key = await client.createKey({
        name: arg,
        role: values.role as 'user',
        user: values.user,
        expires_in: values.expires,
        rate_limit: positive('rate-limit', values['rate-limit']),
        max_concurrent: positive('max-concurrent', values['max-concurrent']),
      });
      print(io.stdout, key.key);
      print(io.stderr, `Created key ${key.id} (${key.role}). It is shown only this once.`);
    } else if (action === 'list' && arg === undefined) {
      const { keys } = await client.keys();
      const rows = keys.map((k) => [
        k.id,
        k.name,
        k.role,
        k.user ?? '-',
        when(k.created_at),
        k.expires_at ?? 'never',
        when(k.last_used_at, 'never'),
        k.revoked_at === null ? 'active' : 'revoked',
      ]);
      io.stdout.write(
        table(['ID', 'NAME', 'ROLE', 'USER', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'], rows),
      );
    } else if (action === 'revoke' && arg !== undefined) {
      await client.revokeKey(arg);
      print(io.stdout, `Revoked key ${arg}.`);
    } else {
      throw new UsageError('expected create NAME, list, or revoke ID');
    }
  },
};
