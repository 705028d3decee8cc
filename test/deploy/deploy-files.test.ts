/**
 * The deployment files in `deploy/` stay in step with the code: every `CORRAL_*` variable they set is a real
 * setting, every probe path is a route of both the server and the gateway, every `.Values.…` a template reads is
 * defined in values.yaml, and the systemd units keep their hardening and let the service write its data directory.
 * Plain line checks: the chart's templates are Go templates, not YAML, and no YAML parser is a dependency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settings } from '../../src/config/index.js';
import { gatewayRouteTable, routeTable } from '../../src/http/index.js';

const ROOT = new URL('../../deploy/', import.meta.url).pathname;
const CHART = join(ROOT, 'helm/corral');
const read = (path: string) => readFileSync(path, 'utf8');
const templates = readdirSync(join(CHART, 'templates')).map((f) => ({
  name: f,
  text: read(join(CHART, 'templates', f)),
}));
const units = ['corral.service', 'corral-gateway.service'].map((f) => ({
  name: f,
  text: read(join(ROOT, 'systemd', f)),
}));
const settingEnvs = new Set<string>(Object.values(settings).map((s) => s.env));

/** `key: value` pairs of a flat YAML file (Chart.yaml), quotes removed. */
function flatYaml(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]\w*):\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** Every dotted key path of a block-style YAML mapping (values.yaml), e.g. `node.gpu.count`. */
function yamlPaths(text: string): Set<string> {
  const paths = new Set<string>();
  const stack: Array<{ indent: number; key: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^(\s*)([A-Za-z]\w*):/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const indent = m[1]!.length;
    while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
    stack.push({ indent, key: m[2]! });
    paths.add(stack.map((s) => s.key).join('.'));
  }
  return paths;
}

describe('deploy/helm/corral', () => {
  it('has a v2 Chart.yaml with a name and versions', () => {
    const chart = flatYaml(read(join(CHART, 'Chart.yaml')));
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'corral', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(chart.appVersion).toBeDefined();
  });

  it('reads only values that values.yaml defines', () => {
    const defined = yamlPaths(read(join(CHART, 'values.yaml')));
    const used = new Set(
      templates.flatMap((t) => [...t.text.matchAll(/\.Values\.([\w.]+)/g)].map((m) => m[1]!)),
    );
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((p) => !defined.has(p))).toEqual([]);
  });

  it('sets only real CORRAL_* settings, and the ones a cluster needs', () => {
    const text = templates.map((t) => t.text).join('\n');
    const names = new Set([...text.matchAll(/\bCORRAL_[A-Z_]+\b/g)].map((m) => m[0]));
    expect([...names].filter((n) => !settingEnvs.has(n))).toEqual([]);
    for (const needed of [
      'CORRAL_DATABASE_URL',
      'CORRAL_ROLE',
      'CORRAL_NODE_NAME',
      'CORRAL_NODE_URL',
      'CORRAL_HOST',
      'CORRAL_HOME',
      'CORRAL_AUTH',
    ]) {
      expect(names).toContain(needed);
    }
  });

  it('probes /readyz and /healthz, public routes of both the server and the gateway', () => {
    const text = templates.map((t) => t.text).join('\n');
    const paths = [...text.matchAll(/path:\s*(\/\S+)/g)].map((m) => m[1]!);
    expect(new Set(paths)).toEqual(new Set(['/readyz', '/healthz']));
    for (const path of paths) {
      expect(routeTable[`GET ${path}`]?.permission).toBe('public');
      expect(gatewayRouteTable[`GET ${path}`]?.permission).toBe('public');
    }
    expect(text).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/readyz/);
    expect(text).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/healthz/);
  });

  it('runs nodes as a StatefulSet with a per-pod volume, GPUs from values, and the database from a Secret', () => {
    const node = templates.find((t) => t.name === 'node-statefulset.yaml')!.text;
    expect(node).toMatch(/kind: StatefulSet/);
    expect(node).toMatch(/volumeClaimTemplates:/);
    expect(node).toMatch(/args: \["serve"\]/);
    expect(node).toContain('.Values.node.gpu.resourceName');
    expect(node).toMatch(/value: node\b/); // CORRAL_ROLE
    const helpers = templates.find((t) => t.name === '_helpers.tpl')!.text;
    expect(helpers).toMatch(/CORRAL_DATABASE_URL\s*\n\s*valueFrom:\s*\n\s*secretKeyRef:/);
    const gateway = templates.find((t) => t.name === 'gateway-deployment.yaml')!.text;
    expect(gateway).toMatch(/kind: Deployment/);
    expect(gateway).toMatch(/args: \["gateway"\]/);
  });
});

describe('deploy/systemd', () => {
  it.each(units)('$name runs corral with hardening and a writable data directory', ({ name, text }) => {
    const lines = text.split('\n');
    const values = (key: string) =>
      lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
    expect(values('ExecStart')).toEqual([
      `/usr/local/bin/corral ${name === 'corral.service' ? 'serve' : 'gateway'}`,
    ]);
    expect(values('NoNewPrivileges')).toEqual(['yes']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('ProtectHome')).toEqual(['yes']);
    expect(values('PrivateTmp')).toEqual(['yes']);
    const home = values('Environment')
      .map((e) => /^CORRAL_HOME=(.*)$/.exec(e)?.[1])
      .find((h) => h !== undefined);
    expect(home).toBeDefined();
    expect(values('ReadWritePaths')).toEqual([home]);
    expect(`/var/lib/${values('StateDirectory')[0]}`).toBe(home);
    // V8's JIT needs writable executable memory.
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
    const names = [...text.matchAll(/\bCORRAL_[A-Z_]+\b/g)].map((m) => m[0]);
    expect(names.filter((n) => !settingEnvs.has(n))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const repo = new URL('../../', import.meta.url).pathname;
  const dockerfile = read(join(repo, 'Dockerfile'));
  const pkg = JSON.parse(read(join(repo, 'package.json'))) as {
    bin: Record<string, string>;
    files: string[];
    scripts: Record<string, string>;
  };

  it('starts the CLI that package.json publishes, on the default port, as a non-root user', () => {
    const entry = /^ENTRYPOINT \[(.*)\]$/m.exec(dockerfile)?.[1];
    expect(entry).toContain(`"/opt/corral/${pkg.bin.corral}"`);
    expect(dockerfile).toMatch(/^CMD \["serve"\]$/m);
    const port = String(settings.host.default ?? '')
      .split(':')
      .at(-1);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`CORRAL_HOST=0\\.0\\.0\\.0:${port}`));
    expect(dockerfile).toMatch(/^USER corral$/m);
  });

  it('copies every file package.json publishes, and sets only real CORRAL_* settings', () => {
    for (const path of pkg.files) expect(dockerfile).toContain(`COPY --from=build /src/${path} ./${path}`);
    expect(pkg.scripts.build).toBeDefined();
    expect(dockerfile).toContain('RUN npm run build && npm prune --omit=dev');
    for (const env of dockerfile.match(/CORRAL_[A-Z_]+/g) ?? []) expect(settingEnvs).toContain(env);
  });

  it('keeps local builds and dependencies out of the build context', () => {
    const ignored = read(join(repo, '.dockerignore')).split('\n');
    for (const path of ['node_modules', 'dist', '.git']) expect(ignored).toContain(path);
  });

  it('is the image the Helm chart names', () => {
    const values = read(join(CHART, 'values.yaml'));
    expect(values).toMatch(/repository: corral\b/);
    expect(values).toContain('Dockerfile');
  });
});
