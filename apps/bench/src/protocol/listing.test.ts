import { describe, expect, it } from 'vitest';
import type { BenchError } from './bench-error.js';
import { type Listing, ListingReader } from './listing-reader.js';
import { checkMailbox } from './mailbox-check.js';
import { StatusReader } from './status-reader.js';

function listing(text: string, cut = 3): Listing {
  const reader = new ListingReader();
  const wire = Buffer.from(text);
  expect(reader.feed(wire.subarray(0, cut), 0)).toBe(-1);
  expect(reader.feed(wire.subarray(cut), 0)).toBe(wire.length - cut);
  return reader.result();
}

describe('ListingReader and checkMailbox', () => {
  const list = listing('+OK 2 messages\r\n1 120\r\n2 80\r\n.\r\n');
  const uidl = listing('+OK\r\n1 a1\r\n2 .b2\r\n.\r\n', 12);

  it('parses entries split across chunks', () => {
    expect(list.entries).toEqual([
      { msn: 1, value: '120' },
      { msn: 2, value: '80' },
    ]);
    expect(uidl.entries[1]!.value).toBe('.b2');
  });

  it('accepts a consistent maildrop and returns the sizes', () => {
    expect(checkMailbox({ count: 2, size: 200 }, list, uidl)).toEqual([120, 80]);
  });

  it('detects counts and totals that differ from STAT, bad numbering and duplicate unique-ids', () => {
    const kind = (run: () => unknown): string => {
      try {
        run();
        return 'none';
      } catch (error) {
        return (error as BenchError).kind;
      }
    };
    expect(kind(() => checkMailbox({ count: 3, size: 200 }, list))).toBe('count-mismatch');
    expect(kind(() => checkMailbox({ count: 2, size: 201 }, list))).toBe('count-mismatch');
    expect(kind(() => checkMailbox({ count: 2, size: 200 }, list, listing('+OK\r\n1 a\r\n.\r\n')))).toBe(
      'count-mismatch',
    );
    expect(kind(() => checkMailbox({ count: 2, size: 200 }, list, listing('+OK\r\n1 a\r\n2 a\r\n.\r\n')))).toBe(
      'bad-listing',
    );
    expect(kind(() => checkMailbox({ count: 2, size: 200 }, listing('+OK\r\n2 120\r\n1 80\r\n.\r\n')))).toBe(
      'bad-listing',
    );
    expect(kind(() => listing('+OK\r\n1 120 extra\r\n.\r\n'))).toBe('bad-listing');
  });

  it('keeps a partial line safe when the read buffer is reused for the next read', () => {
    const reader = new StatusReader();
    const readBuffer = Buffer.from('+OK 3 3');
    expect(reader.feed(readBuffer, 0)).toBe(-1);
    readBuffer.write('00\r\nXXX');
    expect(reader.feed(readBuffer, 0)).toBe(4);
    expect(reader.result()).toEqual({ ok: true, text: '3 300' });
  });

  it('reads a single-line status reply', () => {
    const reader = new StatusReader();
    expect(reader.feed(Buffer.from('+OK 3 300\r\n'), 0)).toBe(11);
    expect(reader.result()).toEqual({ ok: true, text: '3 300' });
  });
});
