/**
 * One answer per scrape for gauges that read the same slow source (runners over IPC, the node listing):
 * prom-client collects every metric of a registry at once, so the first gauge's call starts the read and the
 * others, called in the same pass, share it. Forgotten once settled, so the next scrape reads again.
 */
export function perScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().finally(() => {
      pending = undefined;
    }));
}
