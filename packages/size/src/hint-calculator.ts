import type { SizeCalculator } from './size-calculator.js';

/**
 * Reads a cached size hint: 'W' (exact RFC 822 size, as Dovecot and Poplar write it in Maildir names) or 'S'
 * (storage size). Never opens the message; returns null when the hint is absent.
 */
export function hintCalculator(field: 'S' | 'W'): SizeCalculator {
  return {
    name: `hint-${field}`,
    exact: field === 'W',
    measure: (input) => input.hints[field] ?? null,
  };
}
