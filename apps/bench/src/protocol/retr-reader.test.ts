import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toWireForm } from '../corpus/wire-form.js';
import { BenchError, type ErrorKind } from './bench-error.js';
import { ChecksumChecker } from './checksum-checker.js';
import { RetrReader, type RetrReply } from './retr-reader.js';

/** A stored message with a checksum header over its body as sent, like the corpus writes them. */
function message(body: string, withChecksum = true): Buffer {
  const wireBody = toWireForm(Buffer.from(body), false);
  const sum = createHash('sha256').update(wireBody).digest('hex');
  return Buffer.from(`Subject: t\n${withChecksum ? `X-Bench-Checksum: ${sum}\n` : ''}\n${body}`);
}

function retrReply(stored: Buffer, status = `+OK ${toWireForm(stored, false).length} octets`): Buffer {
  return Buffer.concat([Buffer.from(`${status}\r\n`), toWireForm(stored, true), Buffer.from('.\r\n')]);
}

/** Feeds `wire` in the given pieces; returns the reply and the offset just after it in the last piece. */
function read(
  wire: Buffer,
  cuts: number[],
  expectedSize: number,
  requireChecksum = false,
): { reply: RetrReply; rest: number } {
  const reader = new RetrReader(expectedSize, new ChecksumChecker(), requireChecksum);
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < wire.length).sort((a, b) => a - b), wire.length];
  for (let i = 0; i + 1 < points.length; i++) {
    const chunk = wire.subarray(points[i], points[i + 1]);
    const next = reader.feed(chunk, 0);
    if (next >= 0) return { reply: reader.result(), rest: chunk.length - next };
  }
  throw new Error('reply never completed');
}

function kindOf(run: () => unknown): ErrorKind | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof BenchError) return error.kind;
    throw error;
  }
  return undefined;
}

const TRICKY = 'line one\n.starts with a dot\n..two dots\n.\n\nlast line\n';

describe('RetrReader', () => {
  const stored = message(TRICKY);
  const size = toWireForm(stored, false).length;
  const wire = retrReply(stored);

  it('un-stuffs, counts octets and verifies the checksum in one piece', () => {
    const { reply, rest } = read(wire, [], size);
    expect(reply).toMatchObject({ octets: size, checksum: 'ok', status: { ok: true } });
    expect(rest).toBe(0);
  });

  it('gives the same answer however the bytes are split, down to one byte per chunk', () => {
    for (let cut = 1; cut < wire.length; cut++) expect(read(wire, [cut], size).reply.octets).toBe(size);
    const everyByte = Array.from({ length: wire.length }, (_, i) => i);
    expect(read(wire, everyByte, size).reply).toMatchObject({ octets: size, checksum: 'ok' });
  });

  it('handles any message split anywhere (property)', () => {
    const line = fc.oneof(fc.constantFrom('.', '..', '.x', '', 'abc', ' .', '\r'), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(2000), { maxLength: 12 }),
        (lines, cuts) => {
          const body = lines.map((l) => l.replaceAll('\n', ' ').replaceAll('\r', '')).join('\n');
          const storedMessage = message(body);
          const expected = toWireForm(storedMessage, false).length;
          const { reply } = read(retrReply(storedMessage), cuts, expected, true);
          expect(reply.octets).toBe(expected);
          expect(reply.checksum).toBe('ok');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves the bytes after the terminator to the next reply', () => {
    const { rest } = read(Buffer.concat([wire, Buffer.from('+OK next\r\n')]), [], size);
    expect(rest).toBe(10);
  });

  it('reports a message without checksum as absent, or as an error when one is required', () => {
    const plain = message('no sum\n', false);
    const plainSize = toWireForm(plain, false).length;
    expect(read(retrReply(plain), [], plainSize).reply.checksum).toBe('absent');
    expect(kindOf(() => read(retrReply(plain), [], plainSize, true))).toBe('missing-checksum');
  });

  it('detects a size that differs from LIST, either way, and a wrong "octets" in the status line', () => {
    expect(kindOf(() => read(wire, [7], size + 1))).toBe('size-mismatch');
    expect(kindOf(() => read(retrReply(stored, '+OK'), [7], size - 1))).toBe('size-mismatch');
    expect(kindOf(() => read(retrReply(stored, `+OK ${size + 5} octets`), [], size))).toBe('size-mismatch');
  });

  it('detects a body that does not match its checksum', () => {
    const tampered = Buffer.from(wire);
    tampered[tampered.indexOf('last line')] = 'L'.charCodeAt(0);
    expect(kindOf(() => read(tampered, [], size))).toBe('checksum-mismatch');
  });

  it('detects a server that did not stuff a line starting with "."', () => {
    const unstuffed = Buffer.from('+OK\r\nSubject: t\r\n\r\n.oops\r\n.\r\n');
    expect(kindOf(() => read(unstuffed, [], 24))).toBe('bad-dot-stuffing');
  });

  it('detects bad terminators: "." with a bare LF, "." CR without LF, and a missing terminator', () => {
    const content = 'Subject: t\r\n\r\nx\r\n';
    const size = content.length;
    expect(kindOf(() => read(Buffer.from(`+OK\r\n${content}.\n`), [], size))).toBe('bad-terminator');
    expect(kindOf(() => read(Buffer.from(`+OK\r\n${content}.\rX\n`), [], size))).toBe('bad-terminator');
    expect(() => read(Buffer.from(`+OK\r\n${content}.`), [], size)).toThrow('never completed');
  });

  it('detects a bare LF, also when the LF starts a chunk', () => {
    const bare = Buffer.from('+OK\r\nSubject: t\r\n\r\nx\ny\r\n.\r\n');
    expect(kindOf(() => read(bare, [], 100))).toBe('bare-lf');
    expect(kindOf(() => read(bare, [bare.indexOf('\ny')], 100))).toBe('bare-lf');
    const content = 'Subject: t\r\n\r\nx\r\ny\r\n';
    const good = Buffer.from(`+OK\r\n${content}.\r\n`);
    expect(read(good, [good.indexOf('\ny')], content.length).reply.octets).toBe(content.length);
  });

  it('passes -ERR through without a body', () => {
    const { reply, rest } = read(Buffer.from('-ERR no such message\r\n+OK'), [], 10);
    expect(reply.status).toEqual({ ok: false, text: 'no such message' });
    expect(rest).toBe(3);
  });

  it('rejects a status line that is neither +OK nor -ERR, or too long', () => {
    expect(kindOf(() => read(Buffer.from('+OKAY\r\n'), [], 1))).toBe('bad-status-line');
    expect(kindOf(() => read(Buffer.from(`+OK ${'x'.repeat(600)}\r\n`), [100, 300], 1))).toBe('line-too-long');
  });
});
