import { describe, expect, it } from 'vitest';
import { rankScores } from './rerank-routes.js';

describe('rankScores', () => {
  it.each([
    { scores: [], topN: undefined, want: [] },
    { scores: [0.1, 0.9, 0.5], topN: undefined, want: [1, 2, 0] },
    { scores: [0.1, 0.9, 0.5], topN: 2, want: [1, 2] },
    { scores: [0.1, 0.9, 0.5], topN: 10, want: [1, 2, 0] },
    { scores: [0.5, 0.7, 0.5], topN: undefined, want: [1, 0, 2] }, // ties keep input order
  ])('$scores top $topN → $want', ({ scores, topN, want }) => {
    const ranked = rankScores(scores, topN);
    expect(ranked.map((r) => r.index)).toEqual(want);
    for (const r of ranked) expect(r.score).toBe(scores[r.index]);
  });
});
