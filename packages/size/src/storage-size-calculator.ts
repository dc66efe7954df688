import { firstOf } from './first-of.js';
import { hintCalculator } from './hint-calculator.js';
import type { SizeCalculator } from './size-calculator.js';
import { statCalculator } from './stat-calculator.js';

/** EnableExactRFC822Size = false: the S= hint, else the size on disk. Never reads the message. */
export function storageSizeCalculator(): SizeCalculator {
  return firstOf(hintCalculator('S'), statCalculator());
}
