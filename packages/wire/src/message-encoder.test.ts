import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceEncode } from '../test/encoder-reference.js';
import { ExactSizeCounter, exactSize } from './exact-size.js';
import { MessageEncoder } from './message-encoder.js';

/** `message` cut at `cuts` (taken modulo its length + 1), empty pieces included. */
function split(message: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (message.length + 1)))].sort((a, b) => a - b);
  return [...points, message.length].map((p, i, all) => message.subarray(i === 0 ? 0 : all[i - 1], p));
}

/** Encodes `message` fed in pieces cut at `cuts`. */
function encode(message: Buffer, cuts: number[] = [], bodyLines?: number): Buffer {
  const encoder = new MessageEncoder(bodyLines === undefined ? {} : { bodyLines });
  return Buffer.concat([...split(message, cuts).map((chunk) => encoder.push(chunk)), encoder.end()]);
}

/** What a client does: drop the terminator and un-stuff leading dots. */
function unstuff(wire: Buffer): Buffer {
  const text = wire.toString('latin1');
  expect(text.endsWith('.\r\n')).toBe(true);
  const body = text.slice(0, -3);
  expect(body === '' || body.endsWith('\r\n')).toBe(true);
  const lines = body === '' ? [] : body.slice(0, -2).split('\r\n');
  return Buffer.from(
    lines.map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n') + (body === '' ? '' : '\r\n'),
    'latin1',
  );
}

/** The CRLF-normalised message: bare LF -> CRLF, and a final CRLF when the last line has none. */
function normalise(message: Buffer): Buffer {
  let s = message.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
  if (s.length > 0 && !s.endsWith('\n')) s += '\r\n';
  return Buffer.from(s, 'latin1');
}

// Messages rich in the bytes that matter: LF, CR, dots, NUL.
const messageBytes = fc
  .array(fc.constantFrom(0x0a, 0x0d, 0x2e, 0x00, 0x41, 0x20, 0xff), { maxLength: 300 })
  .map((a) => Buffer.from(a));
const anyBytes = fc.uint8Array({ maxLength: 500 }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('MessageEncoder (RETR)', () => {
  it('converts bare LF, doubles leading dots and terminates', () => {
    expect(encode(Buffer.from('Subject: x\n\n.hidden\r\nbody\n..two\n')).toString()).toBe(
      'Subject: x\r\n\r\n..hidden\r\nbody\r\n...two\r\n.\r\n',
    );
  });

  it('ends a message that lacks a final newline with CRLF', () => {
    expect(encode(Buffer.from('a\nlast')).toString()).toBe('a\r\nlast\r\n.\r\n');
    expect(encode(Buffer.alloc(0)).toString()).toBe('.\r\n');
  });

  it('leaves a bare CR and NUL untouched', () => {
    expect(encode(Buffer.from('a\rb\0c\n')).toString('latin1')).toBe('a\rb\0c\r\n.\r\n');
  });

  it('handles a CR and its LF split across chunks', () => {
    expect(encode(Buffer.from('ab\r\n.c\r\n'), [3]).toString()).toBe('ab\r\n..c\r\n.\r\n');
  });

  it('un-stuffing the output gives the CRLF-normalised message, for any split (property)', () => {
    fc.assert(
      fc.property(fc.oneof(messageBytes, anyBytes), cuts, (message, c) => {
        expect(unstuff(encode(message, c))).toEqual(normalise(message));
      }),
      { numRuns: 500 },
    );
  });

  it('the exact size equals the octets sent before stuffing, byte for byte (property)', () => {
    fc.assert(
      fc.property(fc.oneof(messageBytes, anyBytes), cuts, (message, c) => {
        const counter = new ExactSizeCounter();
        let prev = 0;
        for (const p of [...new Set(c.map((x) => x % (message.length + 1)))].sort((a, b) => a - b)) {
          counter.push(message.subarray(prev, p));
          prev = p;
        }
        counter.push(message.subarray(prev));
        expect(counter.size).toBe(unstuff(encode(message)).length);
        expect(exactSize(message)).toBe(counter.size);
      }),
      { numRuns: 500 },
    );
  });

  it('never emits a line starting with a single dot except the terminator', () => {
    fc.assert(
      fc.property(messageBytes, cuts, (message, c) => {
        const lines = encode(message, c).toString('latin1').split('\r\n');
        lines.pop(); // after the final CRLF
        const terminator = lines.pop();
        expect(terminator).toBe('.');
        for (const line of lines) expect(line === '.' || (line.startsWith('.') && !line.startsWith('..'))).toBe(false);
      }),
    );
  });
});

/** Reference TOP: header lines, the blank line, then k body lines, computed on whole lines. */
function referenceTop(message: Buffer, k: number): Buffer {
  const normal = normalise(message).toString('latin1');
  const lines = normal === '' ? [] : normal.slice(0, -2).split('\r\n');
  const blank = lines.indexOf('');
  const keep = blank < 0 ? lines : lines.slice(0, blank + 1 + k);
  return Buffer.from(keep.map((l) => `${l}\r\n`).join(''), 'latin1');
}

describe('MessageEncoder (TOP)', () => {
  const message = Buffer.from('From: a\nSubject: b\n\nline 1\n.line 2\nline 3\n');

  it('TOP n 0 sends the headers and the blank line', () => {
    expect(encode(message, [], 0).toString()).toBe('From: a\r\nSubject: b\r\n\r\n.\r\n');
  });

  it('TOP n 2 sends two body lines, dot-stuffed', () => {
    expect(encode(message, [], 2).toString()).toBe('From: a\r\nSubject: b\r\n\r\nline 1\r\n..line 2\r\n.\r\n');
  });

  it('reports done so the caller can stop reading', () => {
    const encoder = new MessageEncoder({ bodyLines: 0 });
    encoder.push(Buffer.from('A: b\r\n\r\nbody'));
    expect(encoder.done).toBe(true);
    expect(encoder.push(Buffer.from('more'))).toHaveLength(0);
  });

  it('a huge count sends the whole message, like RETR', () => {
    expect(encode(message, [5, 17], 99999999)).toEqual(encode(message));
  });

  it('matches the line-based reference for any message, split and count (property)', () => {
    fc.assert(
      fc.property(messageBytes, cuts, fc.nat({ max: 6 }), (msg, c, k) => {
        expect(unstuff(encode(msg, c, k))).toEqual(referenceTop(msg, k));
      }),
      { numRuns: 500 },
    );
  });
});

describe('MessageEncoder against the byte-at-a-time reference', () => {
  it('gives the same bytes for any message, split and count, RETR and TOP (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(messageBytes, anyBytes),
        cuts,
        fc.option(fc.nat({ max: 8 }), { nil: undefined }),
        (msg, c, k) => {
          expect(encode(msg, c, k)).toEqual(referenceEncode(split(msg, c), k));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never returns a view of the chunk it was given, which the caller may reuse', () => {
    const encoder = new MessageEncoder();
    const chunk = Buffer.from('no bare line feeds here\r\n');
    const out = encoder.push(chunk);
    chunk.fill(0x78);
    expect(out.toString()).toBe('no bare line feeds here\r\n');
  });

  it('converts large chunks of LF mail as the reference does', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `.line ${i}` : `line ${i} of the body`));
    const message = Buffer.from(`Subject: big\n\n${lines.join('\n')}\n`);
    expect(encode(message, [70_000, 300_000])).toEqual(referenceEncode([message]));
    expect(encode(message, [65_536, 131_072], 9_000)).toEqual(referenceEncode([message], 9_000));
  });
});
