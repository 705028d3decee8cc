import { describe, expect, it } from 'vitest';
import { isAppError } from './errors.js';
import {
  buildManifest,
  formatParameterCount,
  LayerMediaType,
  manifestDigests,
  manifestSize,
  parseManifest,
  parseModelConfig,
} from './manifest.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

describe('manifest', () => {
  const manifest = buildManifest({ digest: d('c'), size: 10 }, [
    { mediaType: LayerMediaType.model, digest: d('a'), size: 1000 },
    { mediaType: LayerMediaType.template, digest: d('b'), size: 20, from: 'base:latest' },
    { mediaType: LayerMediaType.license, digest: d('a'), size: 1000 },
  ]);

  it('builds the Ollama shape and round-trips through the schema', () => {
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d('c'), size: 10 },
    });
    expect(parseManifest(JSON.stringify(manifest), 'x')).toEqual(manifest);
    expect(parseManifest(new TextEncoder().encode(JSON.stringify(manifest)), 'x')).toEqual(manifest);
  });

  it('lists digests once, config first, and sums sizes', () => {
    expect(manifestDigests(manifest)).toEqual([d('c'), d('a'), d('b')]);
    expect(manifestSize(manifest)).toBe(2030);
  });

  const bad: Array<[string, string]> = [
    ['not json', 'not valid JSON'],
    ['null', 'invalid'],
    ['{}', 'schemaVersion'],
    [JSON.stringify({ ...manifest, schemaVersion: 1 }), 'schemaVersion'],
    [JSON.stringify({ ...manifest, mediaType: 'x' }), 'mediaType'],
    [
      JSON.stringify({ ...manifest, layers: [{ mediaType: 'm', digest: '../../etc/passwd', size: 1 }] }),
      'layers.0.digest',
    ],
    [
      JSON.stringify({ ...manifest, layers: [{ mediaType: 'm', digest: d('A'), size: 1 }] }),
      'layers.0.digest',
    ],
    [
      JSON.stringify({ ...manifest, layers: [{ mediaType: 'm', digest: d('a'), size: -1 }] }),
      'layers.0.size',
    ],
    [
      JSON.stringify({ ...manifest, layers: [{ mediaType: 'm', digest: d('a'), size: 1.5 }] }),
      'layers.0.size',
    ],
    [
      JSON.stringify({ ...manifest, config: { mediaType: 'x', digest: 'sha256-abc', size: 1 } }),
      'config.digest',
    ],
    [JSON.stringify({ ...manifest, layers: 'x' }), 'layers'],
  ];
  it.each(bad)('rejects %s', (text, why) => {
    let caught: unknown;
    try {
      parseManifest(text, 'm/x');
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'STORE_CORRUPT')).toBe(true);
    expect((caught as Error).message).toContain('manifest m/x');
    expect((caught as Error).message).toContain(why);
  });

  it('tolerates unknown fields and older configs', () => {
    expect(parseManifest(JSON.stringify({ ...manifest, annotations: { a: 'b' } }), 'x')).toHaveProperty(
      'annotations',
    );
    const cfg = parseModelConfig('{"model_format":"gguf","model_families":null,"renderer":"x"}', 'c');
    expect(cfg).toMatchObject({ model_format: 'gguf', renderer: 'x' });
    expect(() => parseModelConfig('{"model_families":"x"}', 'c')).toThrow(/config c is invalid/);
  });
});

describe('formatParameterCount', () => {
  const rows: Array<[number, string]> = [
    [0, '0'],
    [999, '999'],
    [1000, '1K'],
    [1_234_567, '1.23M'],
    [3_000_000, '3M'],
    [137_000_000, '137M'],
    [8_030_261_248, '8.0B'],
    [7_000_000_000, '7B'],
    [70_553_706_496, '70.6B'],
  ];
  it.each(rows)('%d → %s', (n, s) => expect(formatParameterCount(n)).toBe(s));
});
