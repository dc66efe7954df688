import type { SizeCalculator, SizeInput } from './size-calculator.js';

/**
 * Tries calculators in order and returns the first non-null result. Exact only when every calculator is exact.
 * Stays synchronous while the calculators tried are synchronous (a cached hint costs no promise).
 */
export function firstOf(...calculators: readonly SizeCalculator[]): SizeCalculator {
  if (calculators.length === 0) throw new TypeError('firstOf() needs at least one calculator');
  const list = [...calculators];
  const tryFrom = (start: number, input: SizeInput): number | null | Promise<number | null> => {
    for (let i = start; i < list.length; i++) {
      const result = list[i]!.measure(input);
      if (result instanceof Promise) return result.then((value) => value ?? tryFrom(i + 1, input));
      if (result !== null) return result;
    }
    return null;
  };
  return {
    name: list.map((c) => c.name).join('|'),
    exact: list.every((c) => c.exact),
    measure: (input) => tryFrom(0, input),
  };
}
