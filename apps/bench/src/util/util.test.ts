import { describe, expect, it } from 'vitest';
import { UserPool } from '../scenarios/user-pool.js';
import { parseDuration } from './duration.js';
import { formatNumber } from './format.js';
import { Prng } from './prng.js';
import { fillPattern } from './user-pattern.js';

describe('small helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow('not a duration');
  });

  it('fills user patterns and groups numbers', () => {
    expect(fillPattern('user%d@x%d', 7)).toBe('user7@x7');
    expect(formatNumber(1234567.891, 1)).toBe('1 234 567.9');
  });

  it('draws the same numbers from the same seed', () => {
    const a = new Prng('seed');
    const b = new Prng('seed');
    const c = new Prng('other');
    const draws = (p: Prng): number[] => Array.from({ length: 5 }, () => p.uint32());
    expect(draws(a)).toEqual(draws(b));
    expect(draws(new Prng('seed'))).not.toEqual(draws(c));
    expect(new Prng('x').int(3, 3)).toBe(3);
  });
});

describe('UserPool', () => {
  const pool = (): UserPool => new UserPool([1, 2, 3].map((n) => ({ name: `u${n}`, password: 'p' })));

  it('hands out free accounts in turn and shares only when all are taken', () => {
    const users = pool();
    expect([users.take(), users.take(), users.take()]).toEqual([0, 1, 2]);
    expect(users.take(true)).toBeUndefined();
    expect(users.take()).toBe(0);
    users.give(1);
    expect(users.take(true)).toBe(1);
  });

  it('hands each account out once', () => {
    const users = pool();
    expect([users.once(), users.once(), users.once(), users.once()]).toEqual([0, 1, 2, undefined]);
  });
});
