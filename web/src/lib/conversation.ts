/**
 * The playground's conversation, kept in the browser (localStorage) so a reload does not lose it. Nothing is
 * stored on the server.
 */
import type { ChatResponse } from '../../../src/api/index.js';

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
  /** Final chunk statistics of an assistant turn. */
  stats?: TurnStats;
  error?: string;
}

export interface TurnStats {
  tokens: number;
  tokensPerSecond: number;
  totalMs: number;
  loadMs: number;
  promptTokens: number;
}

/** Statistics from a final chunk (durations are nanoseconds). */
export function statsOf(final: ChatResponse): TurnStats | undefined {
  if (final.eval_count === undefined || final.eval_duration === undefined) return undefined;
  return {
    tokens: final.eval_count,
    tokensPerSecond: final.eval_duration > 0 ? final.eval_count / (final.eval_duration / 1e9) : 0,
    totalMs: (final.total_duration ?? 0) / 1e6,
    loadMs: (final.load_duration ?? 0) / 1e6,
    promptTokens: final.prompt_eval_count ?? 0,
  };
}

export interface PlaygroundState {
  models: [string, string];
  compare: boolean;
  system: string;
  options: Record<string, number | undefined>;
  /** One conversation per side. */
  turns: [Turn[], Turn[]];
}

const KEY = 'corral.playground';

export function emptyState(): PlaygroundState {
  return { models: ['', ''], compare: false, system: '', options: {}, turns: [[], []] };
}

export function loadState(): PlaygroundState {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return emptyState();
    return { ...emptyState(), ...(JSON.parse(raw) as Partial<PlaygroundState>) };
  } catch {
    // Corrupt or foreign data under our key: start over rather than break the page.
    return emptyState();
  }
}

export function saveState(state: PlaygroundState): void {
  localStorage.setItem(KEY, JSON.stringify(state));
}
