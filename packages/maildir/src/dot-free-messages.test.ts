import { readSync } from 'node:fs';
import type { MessageStream } from '@poplar/session';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identity, readAll, storeContext, tempDir } from '../test/fixtures/maildir-fixture.js';
import { deliver } from './deliver.js';
import { LineStartDots } from './dot-free-messages.js';
import { createMaildirStore } from './maildir-store.js';
import { resolveMaildir } from './resolve-maildir.js';

const signal = () => new AbortController().signal;

describe('LineStartDots', () => {
  it('finds a line-start dot however the message is split (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('.', '\r', '\n', 'a'), maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (text, cuts) => {
          const bytes = Buffer.from(text, 'latin1');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const dots = new LineStartDots();
          let from = 0;
          for (const point of [...points, bytes.length]) {
            dots.push(bytes.subarray(from, point));
            from = point;
          }
          expect(dots.found).toBe(/(^|\n)\./.test(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe.each([true, false])('messages stored in CRLF form, sent as files (blockingReads: %s)', (blockingReads) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let maildir: string;
  const store = () => createMaildirStore({ mailRoot: dir.path, blockingReads, tidyEveryMs: 0 });
  const open = () => store().open(identity('alice'), storeContext());

  beforeEach(async () => {
    dir = await tempDir();
    maildir = await resolveMaildir(dir.path, 'alice');
  });
  afterEach(() => dir.dispose());

  /** Reads message `index` in a session of its own, asking for a file; the file's bytes and tail, or the stream's. */
  async function readOnce(index: number, stopEarly = false): Promise<{ file?: string; tail?: string; read?: string }> {
    const drop = await open();
    const stream = (await drop.read(index, signal(), { file: true })) as MessageStream;
    try {
      if (stream.file !== undefined) {
        const bytes = Buffer.alloc(stream.file.length);
        readSync(stream.file.fd, bytes, 0, bytes.length, 0);
        stream.file.close();
        return { file: bytes.toString('latin1'), tail: stream.file.tail?.toString('latin1') };
      }
      if (stopEarly) {
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        await iterator.return?.();
        return { read: '' };
      }
      return { read: (await readAll(stream))! };
    } finally {
      await drop.release();
    }
  }

  it('sends a delivery without line-start dots from its own file once it has been read whole', async () => {
    const message = 'Subject: plain\r\n\r\nno dots here\r\n';
    await deliver(maildir, Buffer.from(message));
    expect(await readOnce(0)).toEqual({ read: message });
    expect(await readOnce(0)).toEqual({ file: message, tail: '.\r\n' });
  });

  it('keeps reading a delivery with a line-start dot', async () => {
    const message = 'Subject: dots\r\n\r\n.starts with a dot\r\n';
    await deliver(maildir, Buffer.from(message));
    for (let i = 0; i < 3; i++) expect(await readOnce(0)).toEqual({ read: message });
  });

  it('learns a large message only from a read that went to its end, and a dot in its last chunk counts', async () => {
    const big = `Subject: big\r\n\r\n${'line of text\r\n'.repeat(60_000)}`;
    const late = `${big}.a dot at the very end\r\n`;
    await deliver(maildir, Buffer.from(big));
    await deliver(maildir, Buffer.from(late));
    expect(await readOnce(0, true)).toEqual({ read: '' });
    expect((await readOnce(0)).read).toBe(big);
    const sent = await readOnce(0);
    expect(sent.file === big && sent.tail === '.\r\n').toBe(true);
    expect((await readOnce(1)).read).toBe(late);
    expect((await readOnce(1)).read).toBe(late);
  });
});
