/**
 * Polling for data the server cannot push (`/api/ps`, `/api/system`): runs `task` now and every `ms`, but only
 * while the tab is visible, and at once when it becomes visible again. Returns a stop function.
 */
export function poll(task: () => Promise<void>, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = () => {
    clearTimeout(timer);
    if (!stopped && document.visibilityState === 'visible') timer = setTimeout(run, ms);
  };
  const run = () => {
    // `task` reports its own errors to the page; a failed round still schedules the next.
    void task().finally(schedule);
  };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') run();
    else clearTimeout(timer);
  };
  document.addEventListener('visibilitychange', onVisibility);
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
