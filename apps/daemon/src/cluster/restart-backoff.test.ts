import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('doubles while workers die quickly, up to the maximum, and starts over after a stable run', () => {
    const backoff = new RestartBackoff({ firstMs: 500, maxMs: 5000, stableMs: 30_000 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next(100))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoff.failures).toBe(6);
    expect(backoff.next(60_000)).toBe(500);
    expect(backoff.failures).toBe(1);
  });
});
