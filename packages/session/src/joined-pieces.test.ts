import { describe, expect, it } from 'vitest';
import { JOIN_CAPACITY, joinPieces, releaseJoined } from './joined-pieces.js';

const pieces = (...texts: string[]) => texts.map((text) => Buffer.from(text));

describe('joinPieces', () => {
  it('joins pieces in order into memory that is used again once given back', () => {
    const first = joinPieces(pieces('+OK 5 octets\r\n', 'hello', '\r\n.\r\n'), 24);
    expect(first.toString()).toBe('+OK 5 octets\r\nhello\r\n.\r\n');
    const meanwhile = joinPieces(pieces('a', 'b'), 2);
    expect(meanwhile.buffer).not.toBe(first.buffer);
    releaseJoined(first);
    const second = joinPieces(pieces('x', 'y', 'z'), 3);
    expect(second.buffer).toBe(first.buffer);
    expect(second.toString()).toBe('xyz');
    releaseJoined(second);
    releaseJoined(meanwhile);
  });

  it('joins more than it pools into fresh memory, which it never pools', () => {
    const big = [Buffer.alloc(JOIN_CAPACITY, 'a'), Buffer.from('b')];
    const joined = joinPieces(big, JOIN_CAPACITY + 1);
    expect(joined.length).toBe(JOIN_CAPACITY + 1);
    expect(joined.at(-1)).toBe('b'.charCodeAt(0));
    releaseJoined(joined);
    const next = joinPieces(pieces('c'), 1);
    expect(next.buffer).not.toBe(joined.buffer);
    releaseJoined(next);
  });
});
