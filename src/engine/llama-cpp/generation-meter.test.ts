import { describe, expect, it } from 'vitest';
import { doneReasonOf, stopSequenceOf } from './generation-meter.js';

describe('stop reasons', () => {
  it.each([
    [{ stopReason: 'maxTokens' }, 'length', undefined],
    [{ stopReason: 'eogToken' }, 'stop', undefined],
    [{ stopReason: 'customStopTrigger', customStopTrigger: ['END'] }, 'stop', 'END'],
    [{ stopReason: 'customStopTrigger', customStopTrigger: ['a', 'b'] }, 'stop', 'ab'],
    [{ stopReason: 'customStopTrigger', customStopTrigger: [42] }, 'stop', undefined],
    [{ stopReason: 'abort' }, 'abort', undefined],
  ])('%j', (metadata, done, sequence) => {
    expect(doneReasonOf(metadata.stopReason)).toBe(done);
    expect(stopSequenceOf(metadata)).toBe(sequence);
  });
});
