/**
 * Builds the configuration once, from defaults < config file < environment < flags. Every problem is collected
 * and reported together in one `CONFIG_INVALID` error; the result is frozen and passed down explicitly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../core/index.js';
import { settings, type Config, type SettingKey } from './settings.js';

/** Where settings come from; tests pass their own, the CLI passes `process.env` and parsed flags. */
export interface ConfigSources {
  env: Readonly<Record<string, string | undefined>>;
  flags?: Partial<Record<SettingKey, string>>;
  homeDir?: string;
}

type Raw = { value: unknown; source: string };

const KEYS = Object.keys(settings) as SettingKey[];

function expandHome(path: string, home: string): string {
  const expanded = path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : resolve(expanded);
}

function pick(key: SettingKey, sources: ConfigSources, file: Record<string, unknown>): Raw | undefined {
  const flag = sources.flags?.[key];
  if (flag !== undefined) return { value: flag, source: settings[key].flag };
  const env = sources.env[settings[key].env];
  if (env !== undefined && env !== '') return { value: env, source: settings[key].env };
  const fallback: { fallbackEnv?: string } = settings[key];
  const alt = fallback.fallbackEnv === undefined ? undefined : sources.env[fallback.fallbackEnv];
  if (alt !== undefined && alt !== '' && fallback.fallbackEnv !== undefined) {
    return { value: alt, source: fallback.fallbackEnv };
  }
  if (key in file) return { value: file[key], source: `config file key "${key}"` };
  const def = settings[key].default;
  return def === undefined ? undefined : { value: def, source: 'default' };
}

function readConfigFile(path: string, explicit: boolean, problems: string[]): Record<string, unknown> {
  if (!existsSync(path)) {
    if (explicit) problems.push(`config file ${path} does not exist`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path}: must hold a JSON object`);
      return {};
    }
    for (const key of Object.keys(parsed)) {
      if (!(key in settings)) problems.push(`config file ${path}: unknown setting "${key}"`);
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message}`);
    return {};
  }
}

/**
 * What is wrong with the join settings (issue #7, nodes behind NAT): a node joins through a gateway (no database
 * access, reached through its tunnel) or through the database, never both, and a join URL needs its token.
 */
function joinProblems(out: Record<string, unknown>): string[] {
  const joining = typeof out.joinUrl === 'string' && out.joinUrl !== '';
  if (!joining) return out.joinToken ? ['CORRAL_JOIN_TOKEN needs CORRAL_JOIN_URL (--join URL)'] : [];
  const problems: string[] = [];
  if (!out.joinToken) {
    problems.push('CORRAL_JOIN_URL needs CORRAL_JOIN_TOKEN (--token; `corral cluster join-token` makes one)');
  }
  if (out.databaseUrl) {
    problems.push(
      'CORRAL_JOIN_URL and CORRAL_DATABASE_URL exclude each other: a node joins through a gateway or through the database',
    );
  }
  if (out.nodeUrl) {
    problems.push(
      'CORRAL_NODE_URL has no use with CORRAL_JOIN_URL: gateways reach a joined node through its tunnel',
    );
  }
  return problems;
}

/** Load and validate the configuration; throws `AppError('CONFIG_INVALID')` listing every problem. */
export function loadConfig(sources: ConfigSources): Config {
  const problems: string[] = [];
  const userHome = sources.homeDir ?? homedir();
  const homeRaw = pick('home', sources, {});
  const home = expandHome(
    typeof homeRaw?.value === 'string' ? homeRaw.value : join(userHome, '.corral'),
    userHome,
  );
  const fileRaw = pick('configFile', sources, {});
  const filePath = fileRaw ? expandHome(String(fileRaw.value), userHome) : join(home, 'config.json');
  const file = readConfigFile(filePath, fileRaw !== undefined, problems);

  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const raw =
      key === 'home' ? { value: home, source: homeRaw?.source ?? 'default' } : pick(key, sources, file);
    if (raw === undefined) continue;
    const result = settings[key].schema.safeParse(raw.value);
    if (result.success) out[key] = result.data;
    else
      problems.push(
        ...result.error.issues.map((i) => `${settings[key].env} (from ${raw.source}): ${i.message}`),
      );
  }
  out.models = expandHome(typeof out.models === 'string' ? out.models : join(home, 'models'), userHome);
  out.configFile = filePath;
  if ((out.tlsCert === '') !== (out.tlsKey === '')) {
    problems.push('CORRAL_TLS_CERT and CORRAL_TLS_KEY go together: set both for HTTPS, or neither');
  }
  for (const key of ['tlsCert', 'tlsKey'] as const) {
    if (typeof out[key] === 'string' && out[key] !== '') out[key] = expandHome(out[key], userHome);
  }
  problems.push(...joinProblems(out));
  if (typeof out.joinUrl === 'string' && out.joinUrl !== '') out.role = 'node'; // --join implies the node role
  if (out.role === 'node' && out.databaseUrl === '' && out.joinUrl === '') {
    problems.push(
      'CORRAL_ROLE=node needs CORRAL_DATABASE_URL: cluster state lives in the shared PostgreSQL database ' +
        '(or join through a gateway: --join URL --token TOKEN)',
    );
  }
  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  return Object.freeze(out) as Config;
}

/** The configuration as it is safe to log: secrets replaced. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const s: { secret?: boolean } = settings[key];
    out[key] = s.secret ? '[redacted]' : config[key];
  }
  return out;
}
