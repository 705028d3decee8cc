/**
 * HTTPS material for `corral serve`: the PEM certificate and key named by `CORRAL_TLS_CERT`/`CORRAL_TLS_KEY`,
 * read at start and again on SIGHUP (`reload`), so a renewed certificate is served to new connections without
 * a restart. A bad pair fails at start with `CONFIG_INVALID`; a bad pair at reload keeps the old one.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { AppError } from './core/index.js';

/** Read and check the pair (a mismatched key fails here, not at the first handshake). */
export function readTlsFiles(certPath: string, keyPath: string): SecureContextOptions {
  let options: SecureContextOptions;
  try {
    options = { cert: readFileSync(certPath), key: readFileSync(keyPath) };
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot read the TLS files: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    createSecureContext(options);
  } catch (err) {
    throw new AppError(
      'CONFIG_INVALID',
      `${certPath} and ${keyPath} are not a usable certificate and key: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return options;
}
