import { describe, expect, it } from 'vitest';
import { isAppError } from './errors.js';
import { isValidModelName, parseModelName, tryParseModelName } from './model-name.js';

const part80 = '8'.repeat(80);
const part255 = '3'.repeat(255);

describe('parseModelName: valid names', () => {
  // [input, full string, display]
  const rows: Array<[string, string, string]> = [
    ['tiny', 'registry.ollama.ai/library/tiny:latest', 'tiny:latest'],
    ['tiny:latest', 'registry.ollama.ai/library/tiny:latest', 'tiny:latest'],
    ['llama3.2:1b', 'registry.ollama.ai/library/llama3.2:1b', 'llama3.2:1b'],
    ['Mistral:7B', 'registry.ollama.ai/library/Mistral:7B', 'Mistral:7B'],
    ['ns/model', 'registry.ollama.ai/ns/model:latest', 'ns/model:latest'],
    ['ns/model:tag', 'registry.ollama.ai/ns/model:tag', 'ns/model:tag'],
    ['library/model:tag', 'registry.ollama.ai/library/model:tag', 'model:tag'],
    ['host/namespace/model:tag', 'host/namespace/model:tag', 'host/namespace/model:tag'],
    ['host/library/model:tag', 'host/library/model:tag', 'host/library/model:tag'],
    ['localhost:5000/ns/model', 'localhost:5000/ns/model:latest', 'localhost:5000/ns/model:latest'],
    ['localhost:5000/ns/model:v1', 'localhost:5000/ns/model:v1', 'localhost:5000/ns/model:v1'],
    [
      'https://host:port/namespace/model:tag',
      'host:port/namespace/model:tag',
      'host:port/namespace/model:tag',
    ],
    ['http://example.com/a/b', 'example.com/a/b:latest', 'example.com/a/b:latest'],
    ['registry.ollama.ai/library/x:latest', 'registry.ollama.ai/library/x:latest', 'x:latest'],
    ['REGISTRY.OLLAMA.AI/Library/X:Latest', 'REGISTRY.OLLAMA.AI/Library/X:Latest', 'X:Latest'],
    [
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    ],
    [
      'dolphin-mistral:7b-v2.6-dpo-laser-q6_K',
      'registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K',
      'dolphin-mistral:7b-v2.6-dpo-laser-q6_K',
    ],
    ['_why/_the/_lucky:_stiff', '_why/_the/_lucky:_stiff', '_why/_the/_lucky:_stiff'],
    ['h/nn/mm:t', 'h/nn/mm:t', 'h/nn/mm:t'],
    ['a..b', 'registry.ollama.ai/library/a..b:latest', 'a..b:latest'],
    ['m:1.0', 'registry.ollama.ai/library/m:1.0', 'm:1.0'],
    ['C:x', 'registry.ollama.ai/library/C:x', 'C:x'],
    [
      `${part80}/${part80}/${part80}:${part80}`,
      `${part80}/${part80}/${part80}:${part80}`,
      `${part80}/${part80}/${part80}:${part80}`,
    ],
    [
      `${part255}/${part80}/${part80}:${part80}`,
      `${part255}/${part80}/${part80}:${part80}`,
      `${part255}/${part80}/${part80}:${part80}`,
    ],
  ];
  it.each(rows)('%s', (input, full, display) => {
    const name = parseModelName(input);
    expect(name.toString()).toBe(full);
    expect(name.display).toBe(display);
    expect(String(name)).toBe(full);
    expect(JSON.stringify({ name })).toBe(JSON.stringify({ name: full }));
    // Round trip: the full form parses to an equal name.
    expect(parseModelName(name.toString()).equals(name)).toBe(true);
    expect(name.pathSegments.join('/')).toBe(`${name.host}/${name.namespace}/${name.model}/${name.tag}`);
  });

  it('splits into parts with defaults', () => {
    const n = parseModelName('ns/model');
    expect([n.host, n.namespace, n.model, n.tag]).toEqual(['registry.ollama.ai', 'ns', 'model', 'latest']);
    expect(n.pathSegments).toEqual(['registry.ollama.ai', 'ns', 'model', 'latest']);
  });
});

describe('parseModelName: invalid names', () => {
  // [input, fragment of the reason]
  const rows: Array<[string, string]> = [
    ['', 'empty'],
    ['../../etc/passwd', "'..'"],
    ['..', "'..'"],
    ['.', "'.'"],
    ['a/../b', "'..'"],
    ['a/./b', "'.'"],
    ['./model', "'.'"],
    ['model:..', "'..'"],
    ['model:.', "'.'"],
    ['../model', "'..'"],
    ['/abs/path', 'absolute'],
    ['/model', 'absolute'],
    ['~/model', 'home'],
    ['C:\\x', 'backslash'],
    ['ns\\model', 'backslash'],
    ['a//b', 'empty'],
    ['//mm', 'absolute'],
    ['hh//', 'empty'],
    ['model:', 'tag is empty'],
    ['n/m:', 'tag is empty'],
    [':tag', 'model is empty'],
    ['ns/', 'model is empty'],
    ['a/b/c/d', 'too many parts'],
    ['a/b/c/d:e', 'too many parts'],
    ['h/n/k/m/t', 'too many parts'],
    ['model\u0000', 'control'],
    ['mo\ndel', 'control'],
    ['mo del', 'whitespace'],
    [' model', 'whitespace'],
    ['model ', 'whitespace'],
    ['mo\u00a0del', 'whitespace'],
    ['%2e%2e/x', "'%'"],
    ['model%00', "'%'"],
    ['modèle', 'invalid character "è" in model'],
    ['模型', 'invalid character'],
    ['mode\u202el', 'invalid character'],
    ['emoji🦙', 'invalid character'],
    ['-model', 'must start'],
    ['.hidden', 'must start'],
    ['ns/-model', 'must start'],
    ['-ns/model', 'must start'],
    ['model:-tag', 'must start'],
    ['model:.tag', 'must start'],
    ['-host/ns/model', 'must start'],
    ['my.ns/model', 'invalid character "." in namespace'],
    ['host/name:space/model:tag', 'invalid character ":" in namespace'],
    ['ns/mo:del/x', 'invalid character ":" in namespace'],
    ['model@sha256:1000000000000000000000000000000000000000000000000000000000000000', 'digest'],
    ['@sha256:abc', 'digest'],
    ['model:tag+build', 'invalid character "+" in tag'],
    ['^', 'invalid character "^" in model'],
    ['a^', 'invalid character "^" in model'],
    ['mo*del', 'invalid character "*"'],
    ['mo?del', 'invalid character "?"'],
    ['ftp://host/ns/model', 'too many parts'],
    ['https://model', 'scheme'],
    ['https://ns/model', 'scheme'],
    ['m'.repeat(81), 'model is longer than 80'],
    [`model:${'t'.repeat(81)}`, 'tag is longer than 80'],
    [`${'n'.repeat(81)}/model`, 'namespace is longer than 80'],
    [`${'h'.repeat(256)}/ns/model`, 'host is longer than 255'],
    [`${'3'.repeat(350)}/n/m:t`, 'host is longer than 255'],
    ['x'.repeat(700), 'longer than 600'],
  ];
  it.each(rows)('%j', (input, why) => {
    let caught: unknown;
    try {
      parseModelName(input);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'INVALID_MODEL_NAME')).toBe(true);
    const message = (caught as Error).message;
    expect(message.startsWith(`invalid model name ${JSON.stringify(input.slice(0, 200)).slice(0, -1)}`)).toBe(
      true,
    );
    expect(message).toContain(why);
    expect(tryParseModelName(input)).toBeUndefined();
    expect(isValidModelName(input)).toBe(false);
  });

  it('rejects non-strings from untyped callers', () => {
    expect(() => parseModelName(undefined as unknown as string)).toThrow(/must be a string/);
  });
});

describe('ModelName', () => {
  it('compares case-insensitively but keeps case for display', () => {
    const a = parseModelName('Mistral:Latest');
    const b = parseModelName('registry.ollama.ai/library/mistral');
    expect(a.equals(b)).toBe(true);
    expect(a.equals('MISTRAL')).toBe(true);
    expect(a.equals('mistral:7b')).toBe(false);
    expect(a.equals('../x')).toBe(false);
    expect(a.key).toBe(b.key);
    expect(a.display).toBe('Mistral:Latest');
  });

  it('withTag validates the tag', () => {
    expect(parseModelName('m').withTag('v2').toString()).toBe('registry.ollama.ai/library/m:v2');
    expect(() => parseModelName('m').withTag('..')).toThrow(/must start/);
  });

  it('no valid name yields an unsafe path segment', () => {
    const inputs = ['a', 'a/b', 'h:1/a/b:c', 'a..b:c..d', 'x.y.z/a/b', '_/_/_:_'];
    for (const input of inputs) {
      for (const seg of parseModelName(input).pathSegments) {
        expect(seg).not.toMatch(/^\.\.?$|[/\\\0]/);
        expect(seg.length).toBeGreaterThan(0);
      }
    }
  });
});
