/**
 * Which GGUF file of a Hugging Face repository a quantization tag means. A tag matches a file whose name holds it
 * as a whole token (`Q4_K_M` matches `model.Q4_K_M.gguf` and `model-q4_k_m.gguf`, not `model-IQ4_K_M.gguf`),
 * case-insensitively. Without a tag the first present of {@link DEFAULT_QUANTS} is taken, as the Hub's own
 * Ollama integration defaults to Q4_K_M. Vision projectors (`mmproj`) are never the model; split files
 * (`-00001-of-00003.gguf`) are not supported and say so.
 */
import { AppError } from '../../core/index.js';

/** A file of the repository. */
export interface RepoFile {
  name: string;
  size?: number | undefined;
  sha256?: string | undefined;
}

/** Quantizations tried, in order, when the name has no tag. */
export const DEFAULT_QUANTS = [
  'Q4_K_M',
  'Q4_K_S',
  'Q4_0',
  'Q5_K_M',
  'Q5_K_S',
  'Q5_0',
  'Q6_K',
  'Q8_0',
  'IQ4_XS',
  'Q3_K_M',
  'BF16',
  'F16',
  'F32',
];

const SPLIT = /-\d{5}-of-\d{5}\.gguf$/i;

/** The quantization token of a GGUF file name (`Q4_K_M`), if it has a known-looking one. */
export function quantOf(fileName: string): string | undefined {
  const base = fileName
    .replace(/^.*\//, '')
    .replace(SPLIT, '')
    .replace(/\.gguf$/i, '');
  const m = /(?:^|[-._])((?:I?Q\d+(?:_[A-Z0-9]+)*)|BF16|F16|F32)$/i.exec(base);
  return m?.[1]?.toUpperCase();
}

function matches(fileName: string, tag: string): boolean {
  const base = fileName.replace(/^.*\//, '').replace(/\.gguf$/i, '');
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[-._])${escaped}(?:$|[-._])`, 'i').test(base);
}

/** Pick the file for `tag` (`undefined`: the default). Throws `MODEL_NOT_FOUND` listing what the repo offers. */
export function pickGgufFile(files: RepoFile[], tag: string | undefined, repo: string): RepoFile {
  const ggufs = files.filter((f) => /\.gguf$/i.test(f.name) && !/mmproj/i.test(f.name.replace(/^.*\//, '')));
  const whole = ggufs
    .filter((f) => !SPLIT.test(f.name))
    .sort((a, b) => a.name.length - b.name.length || a.name.localeCompare(b.name));
  if (ggufs.length === 0) {
    throw new AppError('MODEL_NOT_FOUND', `Hugging Face repository ${repo} has no GGUF files`);
  }
  const candidates = tag === undefined ? DEFAULT_QUANTS : [tag];
  for (const quant of candidates) {
    const found = whole.find((f) => matches(f.name, quant));
    if (found) return found;
    if (tag !== undefined && ggufs.some((f) => matches(f.name, quant))) {
      throw new AppError(
        'INVALID_REQUEST',
        `${repo}: the ${quant} model is split into several files, which is not supported yet`,
      );
    }
  }
  if (tag === undefined && whole[0] !== undefined) return whole[0];
  const label = (f: RepoFile) => `${quantOf(f.name) ?? f.name}${SPLIT.test(f.name) ? ' (split)' : ''}`;
  const offered = [...new Set(ggufs.map(label))].sort().join(', ');
  throw new AppError(
    'MODEL_NOT_FOUND',
    `Hugging Face repository ${repo} has no ${tag ?? 'single-file'} GGUF${offered ? ` (it has: ${offered})` : ''}`,
  );
}
