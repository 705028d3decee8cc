/**
 * Collapses bursts of triggers into few runs: a call while `task` runs asks for one more run after it, however
 * many calls came meanwhile (the job log is re-read on bursts of `log` events this way). `task` reports its own
 * failures.
 */
export function coalesce(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    running = true;
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}
