/** The error a runner's unexpected end gives its requests: how it ended, and the last lines it wrote. */
import { AppError } from '../core/index.js';

/** Lines of runner output quoted in an error message (all kept lines are in `details.lastErrorLines`). */
const QUOTED_LINES = 5;

/** `message` followed by the runner's last output lines. */
export function failureMessage(message: string, lastErrorLines: readonly string[]): string {
  const quoted = lastErrorLines.slice(-QUOTED_LINES);
  return quoted.length === 0 ? `${message} (no output)` : `${message}: ${quoted.join(' | ')}`;
}

/** `RUNNER_FAILED` for a runner that exited on its own or was killed from outside (OOM killer, operator). */
export function exitError(exit: {
  model: string;
  code: number | null;
  signal: string | null;
  lastErrorLines: readonly string[];
}): AppError {
  const how =
    exit.signal === 'SIGKILL'
      ? 'signal SIGKILL, e.g. the out-of-memory killer'
      : exit.signal !== null
        ? `signal ${exit.signal}`
        : `code ${exit.code ?? 'unknown'}`;
  return new AppError(
    'RUNNER_FAILED',
    failureMessage(`runner exited (${how}) while serving ${exit.model}`, exit.lastErrorLines),
    {
      details: { code: exit.code, signal: exit.signal, lastErrorLines: [...exit.lastErrorLines] },
    },
  );
}
