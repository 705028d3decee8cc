import { describe, expect, it } from 'vitest';
import { pickGgufFile, quantOf } from './pick-gguf-file.js';

const files = (...names: string[]) => names.map((name) => ({ name }));

describe('pickGgufFile', () => {
  it.each([
    { names: ['a-Q8_0.gguf', 'a-Q4_K_M.gguf'], tag: undefined, want: 'a-Q4_K_M.gguf' },
    { names: ['a-Q8_0.gguf', 'a-Q4_0.gguf'], tag: undefined, want: 'a-Q4_0.gguf' },
    { names: ['a-Q8_0.gguf', 'b.gguf'], tag: undefined, want: 'a-Q8_0.gguf' },
    { names: ['zeta.gguf', 'alpha.gguf'], tag: undefined, want: 'zeta.gguf' },
    { names: ['model.q4_k_m.gguf', 'model.IQ4_K_M.gguf'], tag: 'Q4_K_M', want: 'model.q4_k_m.gguf' },
    { names: ['model-IQ4_XS.gguf', 'model-Q4_K_M.gguf'], tag: 'iq4_xs', want: 'model-IQ4_XS.gguf' },
    { names: ['sub/dir/m-F16.gguf'], tag: 'f16', want: 'sub/dir/m-F16.gguf' },
    { names: ['mmproj-Q4_K_M.gguf', 'm-Q4_K_M.gguf'], tag: undefined, want: 'm-Q4_K_M.gguf' },
    { names: ['long-name-Q4_K_M.gguf', 'm-Q4_K_M.gguf'], tag: 'Q4_K_M', want: 'm-Q4_K_M.gguf' },
  ])('$tag from $names is $want', ({ names, tag, want }) => {
    expect(pickGgufFile(files(...names), tag, 'u/r').name).toBe(want);
  });

  it.each([
    { names: ['README.md'], tag: undefined, error: /has no GGUF files/ },
    { names: ['a-Q8_0.gguf'], tag: 'Q4_K_M', error: /has no Q4_K_M GGUF \(it has: Q8_0\)/ },
    {
      names: ['a-Q4_K_M-00001-of-00002.gguf', 'a-Q4_K_M-00002-of-00002.gguf'],
      tag: 'Q4_K_M',
      error: /split/,
    },
    {
      names: ['a-Q4_K_M-00001-of-00002.gguf'],
      tag: undefined,
      error: /no single-file GGUF \(it has: Q4_K_M \(split\)\)/,
    },
  ])('refuses $tag from $names', ({ names, tag, error }) => {
    expect(() => pickGgufFile(files(...names), tag, 'u/r')).toThrow(error);
  });

  it.each([
    ['Llama-3.2-1B-Instruct-Q4_K_M.gguf', 'Q4_K_M'],
    ['model.q8_0.gguf', 'Q8_0'],
    ['m-IQ4_XS.gguf', 'IQ4_XS'],
    ['m-bf16.gguf', 'BF16'],
    ['m-Q5_K_S-00001-of-00003.gguf', 'Q5_K_S'],
    ['plain.gguf', undefined],
  ])('reads the quantization of %s', (name, quant) => {
    expect(quantOf(name)).toBe(quant);
  });
});
