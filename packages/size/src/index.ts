export { exactSizeCalculator } from './exact-size-calculator.js';
export { firstOf } from './first-of.js';
export { hintCalculator } from './hint-calculator.js';
export { type MaildirName, parseMaildirName } from './maildir-name.js';
export { scanCalculator } from './scan-calculator.js';
export type { SizeCalculator, SizeHints, SizeInput } from './size-calculator.js';
export { statCalculator } from './stat-calculator.js';
export { storageSizeCalculator } from './storage-size-calculator.js';
