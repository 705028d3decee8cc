/** A braille spinner on a terminal (nothing when output is not a TTY); `stop()` erases it. */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startSpinner(out: NodeJS.WritableStream & { isTTY?: boolean }): { stop(): void } {
  if (!out.isTTY) return { stop: () => undefined };
  let i = 0;
  const timer = setInterval(() => out.write(`\r${FRAMES[i++ % FRAMES.length]} `), 100);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      out.write('\r\x1b[K');
    },
  };
}
