/** A throwaway certificate authority and server certificates for 127.0.0.1, made with the openssl CLI. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  caCert: string;
  /** Issue a certificate for 127.0.0.1/localhost into `cert`/`key` files; returns its serial (hex). */
  issue(cert: string, key: string, serial: number): string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'corral-tls-'));
  const caCert = join(dir, 'ca.pem');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      caCert,
      '-days',
      '2',
      '-subj',
      '/CN=Corral Test CA',
    ],
    dir,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  return {
    dir,
    caCert,
    issue(cert, key, serial) {
      openssl(
        [
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          'leaf.csr',
          '-subj',
          '/CN=127.0.0.1',
        ],
        dir,
      );
      const hex = serial.toString(16).padStart(2, '0').toUpperCase();
      openssl(
        [
          'x509',
          '-req',
          '-in',
          'leaf.csr',
          '-CA',
          caCert,
          '-CAkey',
          'ca.key',
          '-set_serial',
          `0x${hex}`,
          '-days',
          '1',
          '-out',
          cert,
          '-extfile',
          'san.ext',
        ],
        dir,
      );
      return hex;
    },
  };
}
