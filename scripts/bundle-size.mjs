// Prints the size of the web console's initial load (index.html and the scripts and styles it references),
// raw and gzipped, from the built dist/web. Run `npm run build` (or `vite build`) first.
/* global console */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = 'dist/web';
const html = readFileSync(join(root, 'index.html'), 'utf8');
const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
const rows = [['index.html', Buffer.from(html)], ...assets.map((a) => [a, readFileSync(join(root, a))])];

let raw = 0;
let gz = 0;
for (const [name, data] of rows) {
  const zipped = gzipSync(data, { level: 9 }).length;
  raw += data.length;
  gz += zipped;
  console.log(
    `${name.padEnd(40)} ${(data.length / 1024).toFixed(1).padStart(8)} KB ${(zipped / 1024).toFixed(1).padStart(8)} KB gz`,
  );
}
console.log(
  `${'initial load'.padEnd(40)} ${(raw / 1024).toFixed(1).padStart(8)} KB ${(gz / 1024).toFixed(1).padStart(8)} KB gz`,
);
