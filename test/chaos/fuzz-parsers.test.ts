/**
 * Property-based fuzzing of the parsers that read untrusted input (docs/reliability.md §Fuzzing): the GGUF
 * reader, the Modelfile parser and the model-name parser. Each may only refuse with an `AppError` carrying its
 * code, and must settle within a time bound on any input.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, parseModelName } from '../../src/core/index.js';
import { GgmlType, gguf, parseGguf, readGguf, writeGguf, type GgufByteSource } from '../../src/gguf/index.js';
import { parseModelfile, renderModelfile } from '../../src/store/index.js';
import { tinyModelPath } from '../fixtures/index.js';
import { report, scale, SEED, within } from './chaos.js';

const RUNS = scale(400, 5000);
const PARSE_MS = 2_000;

let dir: string;
let sample: Buffer; // small GGUF that uses every value type: mutations land in metadata often
let tiny: Buffer; // a real model with tokenizer arrays
let headerEnd: { sample: number; tiny: number };

function memory(bytes: Uint8Array): GgufByteSource {
  return {
    size: bytes.length,
    read: (buffer, offset, length, position) => {
      const slice = bytes.subarray(position, position + length);
      buffer.set(slice, offset);
      return Promise.resolve(slice.length);
    },
  };
}

/** Parse and return the error (or undefined); fails the property when it is not an AppError or it hangs. */
async function parseOutcome(bytes: Uint8Array, codes: readonly string[]): Promise<string> {
  const outcome = await within(
    parseGguf(memory(bytes), 'fuzz.gguf').then(
      () => 'ok',
      (err: unknown) => err,
    ),
    PARSE_MS,
    'parseGguf',
  );
  if (outcome === 'ok') return 'ok';
  if (!(outcome instanceof AppError)) throw new Error(`parseGguf threw a non-AppError: ${String(outcome)}`);
  expect(codes).toContain(outcome.code);
  return outcome.code;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'corral-chaos-gguf-'));
  const path = join(dir, 'sample.gguf');
  await writeGguf(path, {
    metadata: {
      'general.architecture': gguf.str('llama'),
      'general.alignment': gguf.u32(32),
      'x.u8': gguf.u8(7),
      'x.i64': gguf.i64(-5),
      'x.f64': gguf.f64(0.5),
      'x.bool': gguf.bool(true),
      'x.tokens': gguf.arr('str', ['a', 'bb', '', 'dddddd']),
      'x.scores': gguf.arr('f32', [1, 2, 3]),
      'x.nested': gguf.arr('arr', [gguf.arr('u8', [1]), gguf.arr('u8', [2, 3])]),
      'x.big': gguf.u64(2n ** 63n),
    },
    tensors: [
      { name: 'a', type: GgmlType.F32, dims: [8, 2], data: new Uint8Array(64).fill(7) },
      { name: 'b', type: GgmlType.Q8_0, dims: [32], data: new Uint8Array(34).fill(7) },
    ],
  });
  sample = await readFile(path);
  tiny = await readFile(await tinyModelPath());
  headerEnd = {
    sample: (await parseGguf(memory(sample), 's')).dataOffset,
    tiny: (await parseGguf(memory(tiny), 't')).dataOffset,
  };
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** One edit of a valid file: overwrite bytes, write a u32/u64 at an offset, or truncate. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 13, 255, 2 ** 16), fc.nat()),
  }),
  fc.record({
    kind: fc.constant('u64' as const),
    at: fc.nat(),
    value: fc.constantFrom(0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 32n, 2n ** 53n + 1n),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdits(valid: Buffer, limit: number, edits: Edit[]): Buffer {
  let out = Buffer.from(valid);
  for (const e of edits) {
    const at = e.at % limit; // mostly inside header/metadata/tensor infos, where parsing happens
    if (e.kind === 'cut') out = out.subarray(0, at);
    else if (e.kind === 'bytes')
      out.set(e.bytes.subarray(0, Math.max(0, out.length - at)), Math.min(at, out.length));
    else if (e.kind === 'u32' && at + 4 <= out.length) out.writeUInt32LE(e.value >>> 0, at);
    else if (e.kind === 'u64' && at + 8 <= out.length) out.writeBigUInt64LE(e.value, at);
  }
  return out;
}

describe('fuzz: GGUF reader', () => {
  it('refuses mutated valid files only with INVALID_GGUF, within the time bound', async () => {
    const outcomes: Record<string, number> = {};
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        async (useTiny, edits) => {
          const [valid, limit] = useTiny ? [tiny, headerEnd.tiny + 64] : [sample, headerEnd.sample + 64];
          const code = await parseOutcome(applyEdits(valid, limit, edits), ['INVALID_GGUF']);
          outcomes[code] = (outcomes[code] ?? 0) + 1;
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // The mutations must actually reach the checks, not only produce files that still parse.
    expect(outcomes.INVALID_GGUF ?? 0).toBeGreaterThan(RUNS / 4);
    report('fuzz-gguf-mutated', { runs: RUNS, ms: Date.now() - started, ...outcomes });
  });

  it('refuses random bytes (with and without a GGUF header) only with INVALID_GGUF', async () => {
    const header = Buffer.from([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ maxLength: 512 }), async (withHeader, bytes) => {
        const input = withHeader ? Buffer.concat([header, bytes]) : bytes;
        expect(await parseOutcome(input, ['INVALID_GGUF'])).toBe('INVALID_GGUF');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('readGguf on files: INVALID_GGUF or FILE_NOT_FOUND, never another error, file handle closed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const path = join(dir, 'mutated.gguf');
        await writeFile(path, applyEdits(sample, headerEnd.sample + 64, edits));
        const outcome = await within(
          readGguf(path).then(
            () => 'ok',
            (err: unknown) => err,
          ),
          PARSE_MS,
          'readGguf',
        );
        if (outcome !== 'ok') {
          expect(outcome).toBeInstanceOf(AppError);
          expect((outcome as AppError).code).toBe('INVALID_GGUF');
        }
      }),
      { seed: SEED, numRuns: scale(60, 600) },
    );
    // Special files are refused, not read forever.
    for (const path of ['/dev/zero', '/dev/null', '/proc/self/status', dir, join(dir, 'missing')]) {
      const err = await within(
        readGguf(path).then(
          () => undefined,
          (e: unknown) => e,
        ),
        PARSE_MS,
        path,
      );
      expect(err, path).toBeInstanceOf(AppError);
      expect(['INVALID_GGUF', 'FILE_NOT_FOUND']).toContain((err as AppError).code);
    }
  });
});

/** Modelfile-shaped text: known instructions with hostile values, quotes, comments and random lines. */
const modelfileText = (() => {
  const value = fc.oneof(
    fc.string(),
    fc.constantFrom(
      '"',
      '"""',
      '""',
      '"a b"',
      '"""x\n"y"\n"""',
      '../../etc/passwd',
      '/dev/zero',
      '\u0000',
      '\uFEFF',
    ),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('"', '\n', ' ', '\t', 'a', '\\', '#', '\r') }),
  );
  const line = fc.oneof(
    fc
      .tuple(fc.constantFrom('TEMPLATE', 'SYSTEM', 'ADAPTER', 'LICENSE', 'template', 'system'), value)
      .map(([k, v]) => `${k} ${v}`),
    fc
      .tuple(
        fc.constantFrom('num_ctx', 'stop', 'temperature', 'seed', 'num_predict', 'bogus', ''),
        fc.oneof(
          value,
          fc.double().map(String),
          fc.constantFrom('1e999', '-1', 'NaN', 'true', '99999999999999999999'),
        ),
      )
      .map(([k, v]) => `PARAMETER ${k} ${v}`),
    fc
      .tuple(fc.constantFrom('user', 'assistant', 'system', 'tool', ''), value)
      .map(([r, v]) => `MESSAGE ${r} ${v}`),
    fc.string().map((s) => `# ${s}`),
  );
  // Mostly one FROM first (the parser requires exactly one), so most inputs get past the first line.
  const from = fc.oneof(
    { weight: 8, arbitrary: value.map((v) => [`FROM ${v}`]) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map((v) => [v]) },
  );
  return fc
    .tuple(from, fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'))
    .map(([first, lines, eol]) => [...first, ...lines].join(eol));
})();

describe('fuzz: Modelfile parser', () => {
  it('refuses only with INVALID_MODELFILE; what it accepts renders and parses back to the same', () => {
    let accepted = 0;
    fc.assert(
      fc.property(modelfileText, (text) => {
        let parsed;
        try {
          parsed = parseModelfile(text);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('INVALID_MODELFILE');
          return;
        }
        accepted++;
        const strip = (m: typeof parsed) => m.instructions.map(({ line: _line, ...rest }) => rest);
        expect(strip(parseModelfile(renderModelfile(parsed)))).toEqual(strip(parsed));
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    expect(accepted).toBeGreaterThan(0);
    report('fuzz-modelfile', { runs: RUNS * 2, accepted });
  });
});

describe('fuzz: model-name parser', () => {
  const hostile = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({
      unit: fc.constantFrom('a', '.', '/', ':', '\\', '_', '-', '%', '~', '@', ' ', '\u0000', '1'),
    }),
    fc.constantFrom(
      '../../etc/passwd',
      '..',
      '.',
      '/etc/passwd',
      'a/../../b',
      'a:..',
      'C:\\x',
      'a/b/c/d',
      'x'.repeat(700),
    ),
  );
  it('refuses only with INVALID_MODEL_NAME; accepted names have safe path segments and round-trip', () => {
    let accepted = 0;
    fc.assert(
      fc.property(hostile, (input) => {
        let name;
        try {
          name = parseModelName(input);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('INVALID_MODEL_NAME');
          return;
        }
        accepted++;
        for (const segment of name.pathSegments) {
          expect(segment.length).toBeGreaterThan(0);
          expect(segment.length).toBeLessThanOrEqual(255);
          expect(segment).not.toMatch(/^\.{1,2}$|[/\\\0]/);
        }
        expect(parseModelName(name.toString()).key).toBe(name.key);
        expect(parseModelName(name.display).key).toBe(name.key);
      }),
      { seed: SEED, numRuns: RUNS * 5 },
    );
    report('fuzz-model-name', { runs: RUNS * 5, accepted });
  });
});
