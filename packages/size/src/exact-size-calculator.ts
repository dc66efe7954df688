import { firstOf } from './first-of.js';
import { hintCalculator } from './hint-calculator.js';
import { scanCalculator } from './scan-calculator.js';
import type { SizeCalculator } from './size-calculator.js';

/** EnableExactRFC822Size = true: the W= hint, else a scan of the message. */
export function exactSizeCalculator(): SizeCalculator {
  return firstOf(hintCalculator('W'), scanCalculator());
}
