import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMailbox, topReply } from './encoded-mailbox.js';

/** TOP's answer worked out line by line from the stored text (LF line ends, at least one line). */
function expectedTop(stored: string, lines: number): string {
  const all = stored.replace(/\n$/, '').split('\n');
  const blank = all.indexOf('');
  const kept = blank < 0 ? all : all.slice(0, blank + 1 + lines);
  return `+OK\r\n${kept.map((line) => `${line.startsWith('.') ? '.' : ''}${line}\r\n`).join('')}.\r\n`;
}

function top(stored: string, lines: number): string {
  return Buffer.concat(topReply(encodeMailbox([Buffer.from(stored)]), 0, lines)).toString('latin1');
}

const MESSAGE = 'Subject: t\nX-A: b\n\nfirst\n.dotted\n\n..two\nlast\n';

describe('topReply', () => {
  it('sends the header, the empty line and the first n body lines, stuffed, then the terminator', () => {
    expect(top(MESSAGE, 0)).toBe('+OK\r\nSubject: t\r\nX-A: b\r\n\r\n.\r\n');
    expect(top(MESSAGE, 2)).toBe('+OK\r\nSubject: t\r\nX-A: b\r\n\r\nfirst\r\n..dotted\r\n.\r\n');
    expect(top(MESSAGE, 3)).toBe(expectedTop(MESSAGE, 3));
  });

  it('sends the whole message, as RETR does, once n reaches the body lines', () => {
    const mailbox = encodeMailbox([Buffer.from(MESSAGE)]);
    const whole = mailbox.retr[0]!.subarray(mailbox.retr[0]!.indexOf('\n') + 1).toString('latin1');
    for (const lines of [5, 6, 99_999_999]) expect(top(MESSAGE, lines)).toBe(`+OK\r\n${whole}`);
  });

  it('handles a header without body, a message without header, a last line without LF and an empty message', () => {
    expect(top('Subject: only\n', 0)).toBe('+OK\r\nSubject: only\r\n.\r\n');
    expect(top('\nbody one\nbody two\n', 1)).toBe('+OK\r\n\r\nbody one\r\n.\r\n');
    expect(top('S: x\n\na\nb', 5)).toBe('+OK\r\nS: x\r\n\r\na\r\nb\r\n.\r\n');
    expect(top('', 3)).toBe('+OK\r\n.\r\n');
  });

  it('matches the line-by-line answer for any message and line count (property)', () => {
    const line = fc.oneof(fc.constantFrom('', '.', '..', '.x', 'abc', 'H: v'), fc.stringMatching(/^[ -~]{0,12}$/));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.nat(25), (lines, n) => {
        const stored = `${lines.join('\n')}\n`;
        expect(top(stored, n)).toBe(expectedTop(stored, n));
      }),
      { numRuns: 300 },
    );
  });
});
