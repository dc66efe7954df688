import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceEncode } from '../test/encoder-reference.js';
import { CrlfNormalizer } from './crlf-normalizer.js';
import { DotStuffer, type DotStufferOptions } from './dot-stuffer.js';
import { exactSize } from './exact-size.js';

/** `message` cut at `cuts` (taken modulo its length + 1), empty pieces included. */
function split(message: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (message.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, message.length]) {
    chunks.push(message.subarray(prev, p));
    prev = p;
  }
  return chunks;
}

/** The byte-at-a-time encoder's output: the reference. */
const encode = referenceEncode;

/** The stuffer's output, checking on the way that every piece is a view of the chunk it came from. */
function stuff(chunks: readonly Buffer[], options: DotStufferOptions = {}): Buffer {
  const stuffer = new DotStuffer(options);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    for (const piece of stuffer.push(chunk)) {
      expect(piece.buffer).toBe(chunk.buffer);
      expect(piece.byteOffset).toBeGreaterThanOrEqual(chunk.byteOffset);
      expect(piece.byteOffset + piece.length).toBeLessThanOrEqual(chunk.byteOffset + chunk.length);
      out.push(piece);
    }
  }
  out.push(stuffer.end());
  return Buffer.concat(out);
}

/** A reference CRLF form, written independently of CrlfNormalizer. */
function crlfForm(message: Buffer): Buffer {
  let s = message.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
  if (s.length > 0 && !s.endsWith('\n')) s += '\r\n';
  return Buffer.from(s, 'latin1');
}

// Messages rich in what matters here: dots at line starts, blank lines, CR, LF; and arbitrary bytes.
const lines = fc.array(fc.constantFrom('', '.', '..', '.x', 'a.b', 'Subject: x', '\r', ' .', 'x\r'), { maxLength: 40 });
const crlfMessages = fc.oneof(
  lines.map((l) => crlfForm(Buffer.from(l.join('\n'), 'latin1'))),
  fc.array(fc.constantFrom(0x0a, 0x0d, 0x2e, 0x41), { maxLength: 300 }).map((a) => crlfForm(Buffer.from(a))),
  fc.uint8Array({ maxLength: 400 }).map((a) => crlfForm(Buffer.from(a))),
);
const cuts = fc.array(fc.nat(), { maxLength: 16 });
const byteCuts = fc.array(fc.nat(), { minLength: 0, maxLength: 400 });

describe('DotStuffer (RETR)', () => {
  it('doubles line-start dots without copying and terminates', () => {
    const message = Buffer.from('.first\r\nSubject: x\r\n\r\n.\r\n..two\r\nend.\r\n');
    const stuffer = new DotStuffer();
    const pieces = stuffer.push(message);
    expect(pieces.map((p) => p.toString())).toEqual([
      '.',
      '.first\r\nSubject: x\r\n\r\n.',
      '.\r\n.',
      '..two\r\nend.\r\n',
    ]);
    expect(Buffer.concat([...pieces, stuffer.end()]).toString()).toBe(
      '..first\r\nSubject: x\r\n\r\n..\r\n...two\r\nend.\r\n.\r\n',
    );
  });

  it('passes a chunk without line-start dots as one view of itself', () => {
    const chunk = Buffer.from('a\r\nb\r\n');
    const pieces = new DotStuffer().push(chunk);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]!.buffer).toBe(chunk.buffer);
    expect(pieces[0]!.length).toBe(chunk.length);
  });

  it('finds a dot that starts a chunk after a chunk ending with LF', () => {
    expect(stuff([Buffer.from('a\r\n'), Buffer.from('.b\r\n')]).toString()).toBe('a\r\n..b\r\n.\r\n');
    expect(stuff([Buffer.from('a\r'), Buffer.from('\n.b\r\n')]).toString()).toBe('a\r\n..b\r\n.\r\n');
    expect(stuff([Buffer.from('a\r\nb'), Buffer.from('.c\r\n')]).toString()).toBe('a\r\nb.c\r\n.\r\n');
  });

  it('terminates an empty message and one without a final line break', () => {
    expect(stuff([]).toString()).toBe('.\r\n');
    expect(stuff([Buffer.alloc(0)]).toString()).toBe('.\r\n');
    expect(stuff([Buffer.from('a\r\nlast')]).toString()).toBe('a\r\nlast\r\n.\r\n');
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    const bytes = new Uint8Array(Buffer.from('x\r\n.y\r\n'));
    const stuffer = new DotStuffer();
    expect(Buffer.concat([...stuffer.push(bytes), stuffer.end()]).toString()).toBe('x\r\n..y\r\n.\r\n');
  });

  it('gives what the reference encoder gives for any CRLF-form message and any split (property)', () => {
    fc.assert(
      fc.property(crlfMessages, cuts, (message, c) => {
        const chunks = split(message, c);
        expect(stuff(chunks)).toEqual(encode(chunks));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('DotStuffer (TOP)', () => {
  const message = Buffer.from('From: a\r\n.Subject: b\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n');

  it('sends the headers, the blank line and n body lines', () => {
    expect(stuff([message], { bodyLines: 0 }).toString()).toBe('From: a\r\n..Subject: b\r\n\r\n.\r\n');
    expect(stuff([message], { bodyLines: 2 }).toString()).toBe(
      'From: a\r\n..Subject: b\r\n\r\nline 1\r\n..line 2\r\n.\r\n',
    );
  });

  it('finds a blank line split across chunks in every way', () => {
    for (let a = 0; a <= message.length; a++) {
      for (let b = a; b <= message.length; b++) {
        const chunks = [message.subarray(0, a), message.subarray(a, b), message.subarray(b)];
        expect(stuff(chunks, { bodyLines: 1 })).toEqual(encode(chunks, 1));
      }
    }
  });

  it('treats a message that starts with a blank line as having no headers', () => {
    expect(stuff([Buffer.from('\r\nbody\r\nmore\r\n')], { bodyLines: 1 }).toString()).toBe('\r\nbody\r\n.\r\n');
    expect(stuff([Buffer.from('\r'), Buffer.from('\nbody\r\n')], { bodyLines: 0 }).toString()).toBe('\r\n.\r\n');
  });

  it('reports done so the caller can stop reading', () => {
    const stuffer = new DotStuffer({ bodyLines: 1 });
    stuffer.push(Buffer.from('A: b\r\n\r\nbody\r\nmore'));
    expect(stuffer.done).toBe(true);
    expect(stuffer.push(Buffer.from('more'))).toHaveLength(0);
  });

  it('with a count not below the length, sends everything without counting', () => {
    const chunks = split(message, [7, 20, 33]);
    expect(stuff(chunks, { bodyLines: message.length, length: message.length })).toEqual(encode(chunks));
    expect(stuff(chunks, { bodyLines: 99_999_999, length: message.length })).toEqual(encode(chunks, 99_999_999));
  });

  it('gives what the reference encoder gives for any CRLF-form message, split and count (property)', () => {
    fc.assert(
      fc.property(crlfMessages, cuts, fc.nat({ max: 8 }), (msg, c, k) => {
        const chunks = split(msg, c);
        expect(stuff(chunks, { bodyLines: k })).toEqual(encode(chunks, k));
        expect(stuff(chunks, { bodyLines: k, length: msg.length })).toEqual(encode(chunks, k));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same with one-byte chunks (property)', () => {
    fc.assert(
      fc.property(crlfMessages, fc.nat({ max: 5 }), (msg, k) => {
        const chunks = [...msg].map((_, i) => msg.subarray(i, i + 1));
        expect(stuff(chunks, { bodyLines: k })).toEqual(encode(chunks, k));
        expect(stuff(chunks)).toEqual(encode(chunks));
      }),
      { numRuns: 300 },
    );
  });
});

describe('DotStuffer (stuffed input)', () => {
  /** A message's wire form without its terminator: what a store caches. */
  const stuffedForm = (msg: Buffer): Buffer => {
    const wire = encode([msg]);
    return wire.subarray(0, wire.length - 3);
  };

  it('passes stuffed input through, counts TOP lines in it and terminates (property)', () => {
    fc.assert(
      fc.property(crlfMessages, cuts, fc.option(fc.nat({ max: 8 }), { nil: undefined }), (msg, c, k) => {
        const stuffed = stuffedForm(msg);
        const chunks = split(stuffed, c);
        const options = { stuffed: true, ...(k === undefined ? {} : { bodyLines: k }) };
        expect(stuff(chunks, options)).toEqual(encode([msg], k));
        expect(stuff(chunks, { ...options, length: stuffed.length })).toEqual(encode([msg], k));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('CrlfNormalizer', () => {
  function normalize(chunks: readonly Buffer[]): { out: Buffer; pieces: Buffer[]; length: number } {
    const normalizer = new CrlfNormalizer();
    const pieces = chunks.map((c) => normalizer.push(c));
    pieces.push(normalizer.end());
    return { out: Buffer.concat(pieces), pieces, length: normalizer.length };
  }

  it('turns bare LF into CRLF, leaves CRLF and bare CR, and ends the last line', () => {
    expect(normalize([Buffer.from('a\nb\r\nc\rd\n.e')]).out.toString()).toBe('a\r\nb\r\nc\rd\r\n.e\r\n');
    expect(normalize([Buffer.from('a\r'), Buffer.from('\nb\n')]).out.toString()).toBe('a\r\nb\r\n');
    expect(normalize([Buffer.from('a\r')]).out.toString()).toBe('a\r\r\n');
    expect(normalize([]).out).toHaveLength(0);
  });

  it('returns a chunk without a bare LF as it is', () => {
    const chunk = Buffer.from('a\r\nb');
    expect(new CrlfNormalizer().push(chunk)).toBe(chunk);
  });

  it('gives the CRLF form, exactSize() octets long, for any bytes and split (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), byteCuts, (bytes, c) => {
        const message = Buffer.from(bytes);
        const { out, length } = normalize(split(message, c));
        expect(out).toEqual(crlfForm(message));
        expect(length).toBe(exactSize(message));
      }),
      { numRuns: 1000 },
    );
  });

  it('followed by DotStuffer, gives what the reference encoder gives on the raw bytes (property)', () => {
    const raw = fc.oneof(
      fc.array(fc.constantFrom(0x0a, 0x0d, 0x2e, 0x41), { maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    );
    fc.assert(
      fc.property(raw, cuts, fc.option(fc.nat({ max: 6 }), { nil: undefined }), (message, c, k) => {
        const chunks = split(message, c);
        const { pieces } = normalize(chunks);
        expect(stuff(pieces, k === undefined ? {} : { bodyLines: k })).toEqual(encode(chunks, k));
      }),
      { numRuns: 1000 },
    );
  });
});
