import type { SizeCalculator } from './size-calculator.js';

/** The storage size: bytes on disk as the caller found them (stat). Not exact when mail is stored with LF. */
export function statCalculator(): SizeCalculator {
  return {
    name: 'stat',
    exact: false,
    measure: (input) => (Number.isSafeInteger(input.storedSize) && input.storedSize >= 0 ? input.storedSize : null),
  };
}
