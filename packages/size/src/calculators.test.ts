import { describe, expect, it } from 'vitest';
import { exactSizeCalculator } from './exact-size-calculator.js';
import { firstOf } from './first-of.js';
import { hintCalculator } from './hint-calculator.js';
import { scanCalculator } from './scan-calculator.js';
import type { SizeCalculator, SizeHints, SizeInput } from './size-calculator.js';
import { statCalculator } from './stat-calculator.js';
import { storageSizeCalculator } from './storage-size-calculator.js';

function input(body: string, hints: SizeHints = {}): SizeInput & { opened: number } {
  const bytes = Buffer.from(body);
  const result = {
    key: 'k',
    storedSize: bytes.length,
    hints,
    opened: 0,
    async *open() {
      result.opened++;
      // Split so that a CRLF straddles two chunks.
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    },
  };
  return result;
}

describe('single calculators', () => {
  it('hint W is exact, hint S is not, both null without the hint', () => {
    expect(hintCalculator('W').exact).toBe(true);
    expect(hintCalculator('S').exact).toBe(false);
    expect(hintCalculator('W').measure(input('x', { W: 5 }))).toBe(5);
    expect(hintCalculator('S').measure(input('x', { S: 7 }))).toBe(7);
    expect(hintCalculator('W').measure(input('x', { S: 7 }))).toBeNull();
    expect(hintCalculator('S').measure(input('x'))).toBeNull();
  });

  it('stat returns the stored size and refuses nonsense', () => {
    expect(statCalculator().measure(input('a\nb\n'))).toBe(4);
    expect(statCalculator().measure({ ...input(''), storedSize: -1 })).toBeNull();
    expect(statCalculator().measure({ ...input(''), storedSize: Number.NaN })).toBeNull();
  });

  it('scan counts bare LF as CRLF and adds the final CRLF', async () => {
    expect(await scanCalculator().measure(input('a\nb\r\n.c\n'))).toBe(10);
    expect(await scanCalculator().measure(input('no newline'))).toBe(12);
    expect(await scanCalculator().measure(input('\r\n\r\n'))).toBe(4);
    expect(await scanCalculator().measure(input(''))).toBe(0);
  });
});

describe('firstOf and the ready-made calculators', () => {
  it('takes the first non-null answer and is exact only if all are', async () => {
    const never: SizeCalculator = { name: 'never', exact: true, measure: () => null };
    const asyncNever: SizeCalculator = { name: 'async-never', exact: true, measure: async () => null };
    const calc = firstOf(never, asyncNever, hintCalculator('W'), statCalculator());
    expect(calc.name).toBe('never|async-never|hint-W|stat');
    expect(calc.exact).toBe(false);
    expect(firstOf(never, hintCalculator('W')).exact).toBe(true);
    expect(await calc.measure(input('abc', { W: 99 }))).toBe(99);
    expect(await calc.measure(input('abc'))).toBe(3);
    expect(await firstOf(never).measure(input('abc'))).toBeNull();
    expect(() => firstOf()).toThrow(TypeError);
  });

  it('stays synchronous when a hint answers', () => {
    const result = exactSizeCalculator().measure(input('a\n', { W: 3 }));
    expect(result).toBe(3);
  });

  it('exact: W= when present, else reads the message once', async () => {
    const calc = exactSizeCalculator();
    expect(calc.exact).toBe(true);
    const withHint = input('a\n', { W: 3, S: 2 });
    expect(await calc.measure(withHint)).toBe(3);
    expect(withHint.opened).toBe(0);
    const without = input('a\nb\n', { S: 4 });
    expect(await calc.measure(without)).toBe(6);
    expect(without.opened).toBe(1);
  });

  it('storage: S= when present, else the stored size, never reads', async () => {
    const calc = storageSizeCalculator();
    expect(calc.exact).toBe(false);
    const a = input('a\nb\n', { S: 40, W: 6 });
    expect(await calc.measure(a)).toBe(40);
    const b = input('a\nb\n');
    expect(await calc.measure(b)).toBe(4);
    expect(a.opened + b.opened).toBe(0);
  });
});
