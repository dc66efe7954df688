import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LineEvent, LineReader } from './line-reader.js';

function drain(reader: LineReader): LineEvent[] {
  const out: LineEvent[] = [];
  for (let e = reader.read(); e; e = reader.read()) out.push(e);
  return out;
}

const text = (events: LineEvent[]) => events.map((e) => (e.kind === 'line' ? e.line.toString('latin1') : '<too-long>'));

describe('LineReader', () => {
  it('splits CRLF and bare LF lines and keeps a partial line for later', () => {
    const reader = new LineReader();
    reader.push(Buffer.from('USER alice\r\nPASS x y\nST'));
    expect(text(drain(reader))).toEqual(['USER alice', 'PASS x y']);
    expect(reader.buffered).toBe(2);
    reader.push(Buffer.from('AT\r\n'));
    expect(text(drain(reader))).toEqual(['STAT']);
  });

  it('accepts a line of exactly the limit including CRLF and refuses one octet more', () => {
    const reader = new LineReader({ maxLineLength: 40 });
    reader.push(Buffer.from(`${'a'.repeat(38)}\r\n${'b'.repeat(39)}\r\nNOOP\r\n`));
    expect(text(drain(reader))).toEqual(['a'.repeat(38), '<too-long>', 'NOOP']);
  });

  it('reports an over-long line once, however it is split, and holds at most the limit', () => {
    const reader = new LineReader({ maxLineLength: 512 });
    let peak = 0;
    const events: LineEvent[] = [];
    for (let i = 0; i < 1000; i++) {
      reader.push(Buffer.alloc(997, 0x41));
      peak = Math.max(peak, reader.buffered);
      events.push(...drain(reader));
    }
    reader.push(Buffer.from('\r\nQUIT\r\n'));
    events.push(...drain(reader));
    expect(text(events)).toEqual(['<too-long>', 'QUIT']);
    expect(peak).toBeLessThan(512 + 997);
  });

  it('clear() drops everything buffered', () => {
    const reader = new LineReader();
    reader.push(Buffer.from('CAPA\r\nUSER a'));
    reader.clear();
    reader.push(Buffer.from('NOOP\r\n'));
    expect(text(drain(reader))).toEqual(['NOOP']);
  });

  it('a larger limit can be set for SASL continuation lines', () => {
    const reader = new LineReader({ maxLineLength: 512 });
    reader.maxLineLength = 16384;
    reader.push(Buffer.from(`${'Q'.repeat(10000)}\r\n`));
    expect(text(drain(reader))).toEqual(['Q'.repeat(10000)]);
  });

  it('any input split at random points yields the same lines (property)', () => {
    const line = fc.stringMatching(/^[ -~\t]{0,60}$/);
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (lines, cuts, bareLf) => {
          const input = Buffer.from(lines.map((l) => l + (bareLf ? '\n' : '\r\n')).join(''), 'latin1');
          const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const reader = new LineReader({ maxLineLength: 1024 });
          const events: LineEvent[] = [];
          let prev = 0;
          for (const p of [...points, input.length]) {
            reader.push(input.subarray(prev, p));
            events.push(...drain(reader));
            prev = p;
          }
          expect(text(events)).toEqual(lines);
        },
      ),
    );
  });
});
