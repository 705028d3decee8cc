// The measured side of bench/pull.ts: a long-lived plain-Node process over a compiled build of src/ (as
// `corral serve` runs in production, warm after its first pull; the tsx loader of development changes garbage
// collection enough to skew the figure). Reads `<models-dir> <model> <parts>` lines on stdin, pulls, and
// answers each with a JSON line `{ ms, cpuMs }`. Usage: node bench/helpers/pull-client.mjs <dist-dir>
import { log } from 'node:console';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { argv, cpuUsage, stdin } from 'node:process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [dist] = argv.slice(2);
const { ModelPuller, ModelStore } = await import(pathToFileURL(join(dist, 'store', 'index.js')).href);

for await (const line of createInterface({ input: stdin })) {
  const [models, model, parts] = line.trim().split(' ');
  const store = await ModelStore.open(models);
  const puller = await ModelPuller.open({ store, maxParts: Number(parts) });
  const cpu = cpuUsage();
  const start = performance.now();
  await puller.pull(model, { insecure: true });
  const ms = performance.now() - start;
  const used = cpuUsage(cpu);
  await puller.close();
  await store.close();
  log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }));
}
