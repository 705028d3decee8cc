/**
 * The GGUF files of a Hugging Face repository, for the console's pull dialog: the Hub API's file list
 * (`GET {endpoint}/api/models/<user>/<repo>?blobs=true`), narrowed to the single-file models a pull of
 * `hf.co/<user>/<repo>:<quant>` can fetch, and the quantization a pull without a tag takes (the same
 * {@link pickGgufFile} rule the puller uses). The token is sent to the endpoint only.
 */
import { z } from 'zod';
import { AppError } from '../core/index.js';
import { HttpClient, pickGgufFile, quantOf, readText, statusError, withRetry } from './pull/index.js';

/** One listed file. */
export interface HfRepoFile {
  path: string;
  size: number | undefined;
  quant: string | undefined;
}

/** Where the Hub is and how to ask it. */
export interface HfListOptions {
  endpoint: string;
  token?: string;
  signal?: AbortSignal;
}

const siblingsSchema = z.object({
  siblings: z.array(
    z.looseObject({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      lfs: z.looseObject({ size: z.number().int().nonnegative() }).nullish(),
    }),
  ),
});

const SPLIT = /-\d{5}-of-\d{5}\.gguf$/i;

/** The repository's pullable GGUF files (by name) and the quantization a tagless pull picks. */
export async function listHfRepoFiles(
  repo: string,
  options: HfListOptions,
): Promise<{ files: HfRepoFile[]; defaultQuant: string | undefined }> {
  const endpoint = new URL(options.endpoint.replace(/\/*$/, '/'));
  const url = new URL(`api/models/${repo}?blobs=true`, endpoint);
  const token = options.token === '' ? undefined : options.token;
  const http = new HttpClient({ idleTimeoutMs: 30_000 });
  try {
    const info = await withRetry(
      `listing Hugging Face repository ${repo}`,
      async () => {
        const res = await http.request(url, {
          signal: options.signal,
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        });
        if (res.status === 404) {
          res.body.resume();
          throw new AppError('MODEL_NOT_FOUND', `Hugging Face repository ${repo} not found`);
        }
        if (res.status !== 200) throw await statusError(res, `listing Hugging Face repository ${repo}`);
        return siblingsSchema.parse(JSON.parse(await readText(res, 16 * 1024 * 1024)));
      },
      { policy: { retries: 2, baseMs: 100, maxMs: 1_000 }, signal: options.signal },
    );
    const files = info.siblings
      .filter((s) => /\.gguf$/i.test(s.rfilename) && !SPLIT.test(s.rfilename))
      .filter((s) => !/mmproj/i.test(s.rfilename.replace(/^.*\//, '')))
      .map((s) => ({ path: s.rfilename, size: s.lfs?.size ?? s.size, quant: quantOf(s.rfilename) }))
      .sort((a, b) => a.path.localeCompare(b.path));
    if (files.length === 0) return { files, defaultQuant: undefined };
    const picked = pickGgufFile(
      files.map((f) => ({ name: f.path })),
      undefined,
      repo,
    );
    return { files, defaultQuant: quantOf(picked.name) };
  } finally {
    http.close();
  }
}
