/**
 * The test registry in its own process for the pull benchmark, so serving never shares an event loop with the
 * client being measured. Usage: `node --import tsx bench/helpers/registry-process.ts <blob-file>`; prints one
 * JSON line `{ url, host, digest, size }` and serves until SIGTERM.
 */
import { statSync } from 'node:fs';
import { startRegistry } from '../../test/helpers/registry-server.js';

const [path] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: registry-process.ts <blob-file>');
const registry = await startRegistry();
const { digests } = await registry.addModel('bench/blob:latest', [
  { mediaType: 'application/vnd.ollama.image.model', data: { path } },
]);
console.log(
  JSON.stringify({ url: registry.url, host: registry.host, digest: digests[0], size: statSync(path).size }),
);
process.once('SIGTERM', () => void registry.close().then(() => process.exit(0)));
