import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkedMessage, checkHeaderSection, MessageFormatError } from './message-check.js';

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('latin1');
}

const chunked = (text: string, size: number): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
      Buffer.from(text.slice(i * size, (i + 1) * size), 'latin1'),
    ),
  );

describe('checkHeaderSection', () => {
  it('accepts fields, folded lines, obsolete space before the colon and 8-bit values', () => {
    expect(() =>
      checkHeaderSection(Buffer.from('From: a\r\nSubject: x\r\n  folded\r\nX-Old : y\r\nX-8: \xe9\r\n\r\n', 'latin1')),
    ).not.toThrow();
    expect(() => checkHeaderSection(Buffer.from('Subject: headers only\n'))).not.toThrow();
  });

  it('refuses what is not a header section', () => {
    const cases: Record<string, string> = {
      'not a header field': 'hello world\n\nbody',
      'no header fields': '\r\n',
      'continuation line': ' folded first\n\n',
      'NUL byte': 'Subject: a\0b\n\n',
    };
    for (const [reason, text] of Object.entries(cases)) {
      expect(() => checkHeaderSection(Buffer.from(text))).toThrow(reason);
    }
  });
});

describe('checkedMessage', () => {
  it('gives back every byte of a valid message, however it is chunked', async () => {
    const message = `From: a@example.test\r\nSubject: hi\r\n\r\n${'body line\r\n'.repeat(2000)}`;
    for (const size of [1, 7, 64, 100_000]) {
      expect(await collect(await checkedMessage(chunked(message, size)))).toBe(message);
    }
  });

  it('accepts a message that is only a header section', async () => {
    expect(await collect(await checkedMessage(chunked('Subject: x', 3)))).toBe('Subject: x');
  });

  it('refuses garbage, empty input and an mbox From_ line', async () => {
    await expect(checkedMessage(chunked('\x00\x01\x02garbage', 4))).rejects.toBeInstanceOf(MessageFormatError);
    await expect(checkedMessage(Readable.from([]))).rejects.toThrow('empty');
    await expect(checkedMessage(chunked('From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\n', 5))).rejects.toThrow(
      'line 1',
    );
  });

  it('refuses a header section larger than the limit without reading everything', async () => {
    const huge = Readable.from(
      (function* () {
        for (let i = 0; i < 100_000; i += 1) yield Buffer.from(`X-Filler-${i}: ${'x'.repeat(80)}\r\n`);
      })(),
    );
    await expect(checkedMessage(huge)).rejects.toThrow(/header/);
  });
});
