import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.js';
import { loadConfig, redactConfig } from './load-config.js';

const home = mkdtempSync(join(tmpdir(), 'corral-config-'));

function load(env: Record<string, string> = {}, flags: Record<string, string> = {}) {
  return loadConfig({ env, flags, homeDir: home });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isAppError(err, 'CONFIG_INVALID')) return err.details?.problems as string[];
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('applies defaults under ~/.corral', () => {
    const c = load();
    expect(c.host).toEqual({ hostname: '127.0.0.1', port: 11434 });
    expect(c.home).toBe(join(home, '.corral'));
    expect(c.models).toBe(join(home, '.corral', 'models'));
    expect(c.keepAlive).toBe(300_000);
    expect(c.numParallel).toBe(4);
    expect(c.maxQueue).toBe(512);
    expect(c.origins).toEqual([]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['0.0.0.0', { hostname: '0.0.0.0', port: 11434 }],
    [':8080', { hostname: '127.0.0.1', port: 8080 }],
    ['http://example.local:9000/', { hostname: 'example.local', port: 9000 }],
    ['[::1]:1234', { hostname: '::1', port: 1234 }],
  ])('parses CORRAL_HOST=%s', (raw, expected) => {
    expect(load({ CORRAL_HOST: raw }).host).toEqual(expected);
  });

  it('reads every documented variable', () => {
    const c = load({
      CORRAL_HOME: join(home, 'h'),
      CORRAL_MODELS: join(home, 'm'),
      CORRAL_KEEP_ALIVE: '-1',
      CORRAL_NUM_PARALLEL: '2',
      CORRAL_MAX_LOADED_MODELS: '5',
      CORRAL_MAX_QUEUE: '7',
      CORRAL_ORIGINS: 'https://a.example, https://b.example',
      CORRAL_LOG_LEVEL: 'debug',
      CORRAL_MEMORY_LIMIT: '1GiB',
    });
    expect(c).toMatchObject({
      home: join(home, 'h'),
      models: join(home, 'm'),
      keepAlive: Infinity,
      numParallel: 2,
      maxLoadedModels: 5,
      maxQueue: 7,
      origins: ['https://a.example', 'https://b.example'],
      logLevel: 'debug',
      memoryLimit: 2 ** 30,
    });
  });

  it('orders precedence defaults < file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-config-file-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ maxQueue: 10, numParallel: 3, keepAlive: '1m' }));
    const c = load(
      { CORRAL_CONFIG: file, CORRAL_NUM_PARALLEL: '6', CORRAL_KEEP_ALIVE: '2m' },
      { keepAlive: '3m' },
    );
    expect(c.maxQueue).toBe(10);
    expect(c.numParallel).toBe(6);
    expect(c.keepAlive).toBe(180_000);
  });

  it('reports every problem at once, naming the variable and its source', () => {
    const problems = problemsOf(() =>
      load({ CORRAL_HOST: 'bad host:99999', CORRAL_NUM_PARALLEL: 'many', CORRAL_KEEP_ALIVE: '5 minutes' }),
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^CORRAL_HOST \(from CORRAL_HOST\): invalid host/);
    expect(problems.join('\n')).toMatch(/CORRAL_NUM_PARALLEL/);
    expect(problems.join('\n')).toMatch(/CORRAL_KEEP_ALIVE .*invalid duration/);
  });

  it('rejects unknown keys and bad JSON in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-config-file-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ maxQueu: 10 }));
    expect(problemsOf(() => load({ CORRAL_CONFIG: file }))).toEqual([
      `config file ${file}: unknown setting "maxQueu"`,
    ]);
    writeFileSync(file, '{');
    expect(problemsOf(() => load({ CORRAL_CONFIG: file }))[0]).toMatch(/config file .*JSON/);
    expect(problemsOf(() => load({ CORRAL_CONFIG: join(dir, 'missing.json') }))[0]).toMatch(/does not exist/);
  });

  it('reads the cluster node settings; CORRAL_ROLE=node needs CORRAL_DATABASE_URL', () => {
    const c = load({
      CORRAL_ROLE: 'node',
      CORRAL_DATABASE_URL: 'postgres://db/corral',
      CORRAL_NODE_NAME: 'gpu-1',
      CORRAL_NODE_URL: 'http://10.0.0.5:11434',
      CORRAL_HEARTBEAT_INTERVAL: '500ms',
    });
    expect([c.role, c.nodeName, c.nodeUrl, c.heartbeatInterval]).toEqual([
      'node',
      'gpu-1',
      'http://10.0.0.5:11434',
      500,
    ]);
    expect(load().role).toBe('standalone');
    expect(problemsOf(() => load({ CORRAL_ROLE: 'node' }))).toEqual([
      expect.stringMatching(/CORRAL_ROLE=node needs CORRAL_DATABASE_URL/),
    ]);
    expect(problemsOf(() => load({ CORRAL_NODE_NAME: 'bad name', CORRAL_NODE_URL: 'ftp://x' }))).toHaveLength(
      2,
    );
  });

  it('--join implies the node role without a database, needs its token, and redacts it', () => {
    const c = load({ CORRAL_JOIN_URL: 'http://gw:11434', CORRAL_JOIN_TOKEN: 'corral_abc_secret' });
    expect([c.role, c.databaseUrl, c.joinUrl]).toEqual(['node', '', 'http://gw:11434']);
    expect(redactConfig(c).joinToken).toBe('[redacted]');
    expect(problemsOf(() => load({ CORRAL_JOIN_URL: 'http://gw' }))).toEqual([
      expect.stringMatching(/CORRAL_JOIN_URL needs CORRAL_JOIN_TOKEN/),
    ]);
    expect(problemsOf(() => load({ CORRAL_JOIN_TOKEN: 't' }))).toEqual([
      expect.stringMatching(/CORRAL_JOIN_TOKEN needs CORRAL_JOIN_URL/),
    ]);
    const both = {
      CORRAL_JOIN_URL: 'http://gw',
      CORRAL_JOIN_TOKEN: 't',
      CORRAL_DATABASE_URL: 'postgres://db/x',
    };
    expect(problemsOf(() => load(both))).toEqual([expect.stringMatching(/exclude each other/)]);
  });
});
