/**
 * Conversion benchmark: a ~1 GB F16 llama-shaped Hugging Face folder (two safetensors shards, byte-level BPE
 * tokenizer; cached under <tmpdir>/corral-bench) converted to GGUF F16 (a streamed copy with the q/k permutation)
 * and Q8_0 (decode + quantize). Each conversion runs in a child process so its peak RSS is its own
 * (`process.resourceUsage().maxRSS`).
 *
 *   npx tsx bench/convert.ts [--layers 8] [--types F16,Q8_0]
 *
 * Prints MB/s of safetensors input and peak RSS, and writes bench/results/convert.json. Target: peak RSS bounded
 * (well under the model size), throughput limited by the disk for F16.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { convertHfModel, parseOutputType } from '../src/convert/index.js';
import { writeHfTokenizer } from '../test/fixtures/index.js';
import { writeResults } from './helpers/report.js';

const SHAPE = { vocab: 32000, embd: 2048, heads: 16, kvHeads: 4, ff: 5632 };
const MB = 1024 * 1024;

// Random F16 bits with bit 14 clear: exponent <= 15, so every value is finite and below 2 in magnitude.
function fillHalfs(buf: Uint32Array, seed: { s: number }): void {
  let s = seed.s;
  for (let i = 0; i < buf.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    buf[i] = (s >>> 0) & 0xbfffbfff;
  }
  seed.s = s;
}

interface Entry {
  name: string;
  shape: number[];
}

function tensors(layers: number): Entry[] {
  const { vocab, embd, heads, kvHeads, ff } = SHAPE;
  const kv = (embd / heads) * kvHeads;
  const out: Entry[] = [{ name: 'model.embed_tokens.weight', shape: [vocab, embd] }];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      { name: `${p}.input_layernorm.weight`, shape: [embd] },
      { name: `${p}.self_attn.q_proj.weight`, shape: [embd, embd] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, embd] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, embd] },
      { name: `${p}.self_attn.o_proj.weight`, shape: [embd, embd] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [embd] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [ff, embd] },
      { name: `${p}.mlp.up_proj.weight`, shape: [ff, embd] },
      { name: `${p}.mlp.down_proj.weight`, shape: [embd, ff] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [embd] }, { name: 'lm_head.weight', shape: [vocab, embd] });
  return out;
}

// Writes one shard, streaming random data in 16 MB pieces (the generator never holds a tensor in memory).
async function writeShard(path: string, entries: Entry[], seed: { s: number }): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const e of entries) {
    const bytes = e.shape.reduce((a, b) => a * b, 1) * 2;
    header[e.name] = { dtype: 'F16', shape: e.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const handle = await open(path, 'w');
  try {
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(json.length));
    await handle.write(Buffer.concat([head, Buffer.from(json)]));
    const chunk = new Uint32Array(4 * MB);
    for (let left = offset; left > 0;) {
      const n = Math.min(left, chunk.byteLength);
      fillHalfs(chunk, seed);
      await handle.write(new Uint8Array(chunk.buffer, 0, n));
      left -= n;
    }
  } finally {
    await handle.close();
  }
}

async function ensureModel(layers: number): Promise<{ dir: string; bytes: number }> {
  const dir = join(tmpdir(), 'corral-bench', `convert-llama-${layers}l`);
  const all = tensors(layers);
  const half = Math.ceil(all.length / 2);
  const shards = [all.slice(0, half), all.slice(half)];
  const files = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  if (!existsSync(join(dir, '.complete'))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const seed = { s: 0x9e3779b9 };
    for (const [i, shard] of shards.entries()) await writeShard(join(dir, files[i]!), shard, seed);
    const weightMap = Object.fromEntries(shards.flatMap((s, i) => s.map((e) => [e.name, files[i]])));
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        architectures: ['LlamaForCausalLM'],
        vocab_size: SHAPE.vocab,
        hidden_size: SHAPE.embd,
        intermediate_size: SHAPE.ff,
        num_hidden_layers: layers,
        num_attention_heads: SHAPE.heads,
        num_key_value_heads: SHAPE.kvHeads,
        max_position_embeddings: 2048,
        rms_norm_eps: 1e-5,
        rope_theta: 10000,
        torch_dtype: 'float16',
      }),
    );
    await writeHfTokenizer(dir, { vocabSize: SHAPE.vocab, seed: 1, pre: 'gpt-2' });
    await writeFile(join(dir, '.complete'), '');
  }
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(dir, f))).size;
  return { dir, bytes };
}

// Child mode: convert, then report time and peak RSS on stdout as JSON.
async function child(dir: string, out: string, type: string): Promise<void> {
  const outputType = parseOutputType(type);
  if (outputType === undefined) throw new Error(`unknown type ${type}`);
  const start = performance.now();
  const result = await convertHfModel(dir, out, { outputType });
  const seconds = (performance.now() - start) / 1000;
  const outBytes = (await stat(out)).size;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, sourceBytes: result.sourceBytes, outBytes, maxRssMb }));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'boolean', default: false },
      layers: { type: 'string', default: '8' },
      types: { type: 'string', default: 'F16,Q8_0' },
    },
  });
  if (values.child) return child(positionals[0]!, positionals[1]!, positionals[2]!);
  const t0 = performance.now();
  const { dir, bytes } = await ensureModel(Number(values.layers));
  console.log(
    `model: ${dir} (${(bytes / MB).toFixed(0)} MB F16, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const rows: Record<string, unknown>[] = [];
  for (const type of values.types.split(',')) {
    const out = join(tmpdir(), 'corral-bench', `convert-out-${type}.gguf`);
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', dir, out, type], {
      encoding: 'utf8',
    });
    await rm(out, { force: true });
    if (r.status !== 0) throw new Error(`conversion to ${type} failed: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      seconds: number;
      sourceBytes: number;
      outBytes: number;
      maxRssMb: number;
    };
    rows.push({
      type,
      seconds: Number(m.seconds.toFixed(2)),
      inputMBps: Number((m.sourceBytes / MB / m.seconds).toFixed(0)),
      outputMB: Number((m.outBytes / MB).toFixed(0)),
      peakRssMB: Number(m.maxRssMb.toFixed(0)),
    });
  }
  console.table(rows);
  await writeResults('convert', {
    date: new Date().toISOString(),
    cpus: cpus().length,
    modelMB: bytes / MB,
    rows,
  });
}

await main();
