/**
 * POPLAR_LONG=1 runs the long versions of the reliability tests (hundreds of crash trials, long fuzz runs); without
 * it each test runs a bounded version that fits a CI run.
 */
export const LONG = process.env.POPLAR_LONG === '1';

/** The CI figure, or the long-mode one. */
export function scaled<T>(ci: T, long: T): T {
  return LONG ? long : ci;
}
