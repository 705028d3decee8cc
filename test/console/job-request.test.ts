/** The Fine-tuning page's new-job form as a request body (web/src/lib/job-request.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { emptyJobForm, jobRequest, type JobForm } from '../../web/src/lib/job-request.js';

const form = (change: Partial<JobForm>): JobForm => ({
  ...emptyJobForm(),
  model: 'tiny:latest',
  dataset: 'd1',
  ...change,
});

describe('jobRequest', () => {
  it.each([
    { what: 'an untouched form sends only model and dataset', change: {}, body: {} },
    { what: 'a trimmed output name', change: { name: '  tuned ' }, body: { name: 'tuned' } },
    { what: 'a blank output name is left out', change: { name: '  ' }, body: {} },
    {
      what: 'numbers as numbers, empty ones left out',
      change: {
        numbers: { rank: '16', learning_rate: '1e-4', epochs: '', validation_split: '0.1', seed: ' 0 ' },
      },
      body: { rank: 16, learning_rate: 1e-4, validation_split: 0.1, seed: 0 },
    },
    { what: 'a schedule', change: { schedule: 'linear' }, body: { lr_schedule: 'linear' } },
    {
      what: 'target modules in their canonical order',
      change: { modules: ['ffn_up', 'attn_q'] },
      body: { target_modules: ['attn_q', 'ffn_up'] },
    },
    { what: 'no module checked leaves the default', change: { modules: [] }, body: {} },
  ])('$what', ({ change, body }) => {
    expect(jobRequest(form(change))).toEqual({ model: 'tiny:latest', dataset: 'd1', ...body });
  });
});
