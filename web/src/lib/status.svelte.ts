/**
 * A page's feedback around server calls: the error to show (`<Alert>`), a notice after an action succeeded, and
 * what is busy meanwhile. `load` (re)fetches the page's data; `run` performs an action and then reloads.
 */
import { errorText } from './api.js';

export interface RunOptions {
  /** Marks `busy` with this key while the action and its reload run (to disable buttons). */
  busy?: string;
  /** The notice to show once the action succeeded. */
  notice?: string;
  /** Reload the page's data after a success (default true). */
  reload?: boolean;
}

export class Status {
  error: string | undefined = $state();
  notice: string | undefined = $state();
  busy: string | undefined = $state();

  /** `fetch` loads the page's data into the page's own state. */
  constructor(private readonly fetch: () => Promise<void> = () => Promise.resolve()) {}

  /** Runs `task`, showing its failure as the error; resolves to whether it succeeded. */
  async attempt(task: () => Promise<unknown>): Promise<boolean> {
    try {
      await task();
      return true;
    } catch (err) {
      this.error = errorText(err);
      return false;
    }
  }

  /** (Re)loads the page's data (or runs `task`, another load); a success clears the error a failure left. */
  async load(task: () => Promise<void> = this.fetch): Promise<void> {
    if (await this.attempt(task)) this.error = undefined;
  }

  /** An action: clears the error, runs `task`, then on success sets the notice and reloads. */
  async run(task: () => Promise<unknown>, options: RunOptions = {}): Promise<boolean> {
    const { busy, notice, reload = true } = options;
    this.error = undefined;
    if (busy !== undefined) this.busy = busy;
    try {
      const ok = await this.attempt(task);
      if (ok && notice !== undefined) this.notice = notice;
      if (ok && reload) await this.load();
      return ok;
    } finally {
      if (busy !== undefined) this.busy = undefined;
    }
  }
}
