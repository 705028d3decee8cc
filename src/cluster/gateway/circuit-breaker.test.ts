import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, half-opens for one probe, doubles the cooldown, closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 2, baseCooldownMs: 100, maxCooldownMs: 300, now: () => now });
    expect(b.tryAcquire('n')).toBe(true);
    b.failed('n');
    expect(b.state('n')).toBe('closed');
    b.failed('n');
    expect(b.state('n')).toBe('open');
    expect(b.tryAcquire('n')).toBe(false);
    now = 100;
    expect(b.state('n')).toBe('half-open');
    expect(b.tryAcquire('n')).toBe(true);
    expect(b.tryAcquire('n')).toBe(false); // one probe at a time
    b.failed('n'); // the probe failed: 200 ms now
    now = 250;
    expect(b.state('n')).toBe('open');
    now = 300;
    expect(b.tryAcquire('n')).toBe(true);
    b.failed('n'); // capped at 300
    now = 600;
    expect(b.tryAcquire('n')).toBe(true);
    b.succeeded('n');
    expect(b.state('n')).toBe('closed');
  });

  it('a busy answer (released) neither opens nor closes, and frees the probe', () => {
    let now = 0;
    const b = new CircuitBreaker({ threshold: 1, baseCooldownMs: 10, now: () => now });
    for (let i = 0; i < 5; i++) {
      expect(b.tryAcquire('busy')).toBe(true);
      b.released('busy');
    }
    expect(b.state('busy')).toBe('closed');
    b.failed('n');
    now = 10;
    expect(b.tryAcquire('n')).toBe(true);
    b.released('n');
    expect(b.state('n')).toBe('half-open');
    expect(b.tryAcquire('n')).toBe(true);
  });
});
