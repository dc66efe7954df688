import { ExactSizeCounter } from '@poplar/wire';
import type { SizeCalculator } from './size-calculator.js';

/**
 * The exact RFC 822 size by streaming the whole message once through the same rule RETR uses (bare LF counts as
 * CRLF; an unterminated last line counts the CRLF RETR adds). Costly: cache its result.
 */
export function scanCalculator(): SizeCalculator {
  return {
    name: 'scan',
    exact: true,
    async measure(input) {
      const counter = new ExactSizeCounter();
      for await (const chunk of input.open()) counter.push(chunk);
      return counter.size;
    },
  };
}
