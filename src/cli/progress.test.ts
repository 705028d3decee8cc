import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressPrinter, progressBar, transferRate } from './progress.js';

function printer(isTTY: boolean) {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  let now = 0;
  const p = new ProgressPrinter(out, () => now);
  return { p, text: () => text, tick: (ms: number) => (now += ms) };
}

const MB = 1_000_000;

describe('ProgressPrinter', () => {
  it('draws bars with speed and time left on a terminal, redrawing one line per layer', () => {
    const { p, text, tick } = printer(true);
    p.update({ status: 'pulling manifest' });
    p.update({
      status: 'pulling 0123456789ab',
      digest: 'sha256:0123456789ab',
      total: 100 * MB,
      completed: 0,
    });
    tick(1000);
    p.update({
      status: 'pulling 0123456789ab',
      digest: 'sha256:0123456789ab',
      total: 100 * MB,
      completed: 25 * MB,
    });
    tick(1000);
    p.update({
      status: 'pulling 0123456789ab',
      digest: 'sha256:0123456789ab',
      total: 100 * MB,
      completed: 50 * MB,
    });
    p.update({
      status: 'pulling 0123456789ab',
      digest: 'sha256:0123456789ab',
      total: 100 * MB,
      completed: 100 * MB,
    });
    p.update({ status: 'success' });
    p.finishLine();
    const lines = text().split('\n');
    expect(lines[0]).toBe('pulling manifest');
    expect(lines[1]).toContain(
      '\r\x1b[Kpulling 0123456789ab  50% ▕██████████          ▏ 50.0 MB/100 MB  25.0 MB/s  2s',
    );
    expect(lines[1]!.split('\r\x1b[K').at(-1)).toBe(
      'pulling 0123456789ab 100% ▕████████████████████▏ 100 MB',
    );
    expect(lines[2]).toBe('success');
  });

  it('prints only finished transfers without a terminal', () => {
    const { p, text } = printer(false);
    p.update({ status: 'pushing abcdefabcdef', total: 2000, completed: 1000 });
    p.update({ status: 'pushing abcdefabcdef', total: 2000, completed: 2000 });
    p.update({ status: 'success' });
    p.finishLine();
    expect(text()).toBe('pushing abcdefabcdef 100% ▕████████████████████▏ 2.0 KB\nsuccess\n');
  });

  it('measures speed over a recent window', () => {
    expect(transferRate([{ at: 0, completed: 0 }])).toBeUndefined();
    expect(
      transferRate([
        { at: 0, completed: 0 },
        { at: 2000, completed: 10 * MB },
      ]),
    ).toBe(5 * MB);
    expect(progressBar(0.5, 4)).toBe('▕██  ▏');
    expect(progressBar(2, 4)).toBe('▕████▏');
  });
});
