import { describe, expect, it } from 'vitest';
import { LoginPenalty } from './login-penalty.js';

describe('LoginPenalty', () => {
  const settings = { stepMs: 1000, maxMs: 10_000, decayMs: 60_000, tableSize: 3 };

  it('grows with repeated failures from one address, up to the maximum', () => {
    const penalty = new LoginPenalty(settings, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => penalty.failed('192.0.2.1'))).toEqual([0, 1000, 3000, 7000, 10_000, 10_000]);
    expect(penalty.failed('192.0.2.2')).toBe(0);
  });

  it('decays with time', () => {
    let now = 0;
    const penalty = new LoginPenalty(settings, () => now);
    penalty.failed('a');
    penalty.failed('a');
    now = 120_000;
    expect(penalty.failed('a')).toBe(0);
  });

  it('keeps at most tableSize addresses, forgetting the least recently failed', () => {
    const penalty = new LoginPenalty(settings, () => 0);
    for (const address of ['a', 'b', 'c', 'a', 'd']) penalty.failed(address);
    expect(penalty.size).toBe(3);
    expect(penalty.failed('b')).toBe(0);
    expect(penalty.failed('a')).toBe(3000);
  });
});
