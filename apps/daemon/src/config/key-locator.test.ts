import { describe, expect, it } from 'vitest';
import { findKeyLine } from './key-locator.js';

describe('findKeyLine', () => {
  const text = [
    'A = 1', // 1
    '"B" = 2', // 2
    'c.d = 3', // 3
    '[t]', // 4
    '  x = 1 # comment', // 5
    '[[arr]]', // 6
    'y = { z = 1 }', // 7
  ].join('\n');

  it('finds bare, quoted, dotted and table keys', () => {
    expect(findKeyLine(text, ['A'])).toBe(1);
    expect(findKeyLine(text, ['B'])).toBe(2);
    expect(findKeyLine(text, ['c', 'd'])).toBe(3);
    expect(findKeyLine(text, ['t'])).toBe(4);
    expect(findKeyLine(text, ['t', 'x'])).toBe(5);
    expect(findKeyLine(text, ['arr', 'y', 'z'])).toBe(7);
  });

  it('does not confuse a key in a table with the same key at the top', () => {
    expect(findKeyLine(text, ['x'])).toBeUndefined();
  });
});
