/** Content digests in the OCI form `sha256:<64 lowercase hex>`. */
import { createHash, type Hash } from 'node:crypto';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** True when `value` is a well-formed sha256 digest. */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Accepts `sha256:<hex>` or Ollama's file-name form `sha256-<hex>` and returns the canonical `sha256:<hex>`. */
export function normalizeDigest(value: string): string | undefined {
  const canonical = value.replace(/^sha256-/, 'sha256:');
  return isDigest(canonical) ? canonical : undefined;
}

/** An incremental sha256 that yields a digest string. */
export function digestHasher(): { update(chunk: Uint8Array): void; digest(): string; readonly hash: Hash } {
  const hash = createHash('sha256');
  return {
    hash,
    update: (chunk) => void hash.update(chunk),
    digest: () => `sha256:${hash.digest('hex')}`,
  };
}

/** Digest of an in-memory value. */
export function digestOf(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
