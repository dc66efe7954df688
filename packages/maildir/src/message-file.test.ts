import { readdirSync, truncateSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures/maildir-fixture.js';
import { openMessageFile, readChunks } from './message-file.js';

const openDescriptors = () => readdirSync('/proc/self/fd').length;

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(Buffer.from(chunk));
  return out;
}

describe('readChunks', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.dispose());

  async function file(name: string, content: Buffer): Promise<string> {
    const path = join(dir.path, name);
    await writeFile(path, content);
    return path;
  }

  it('gives the same bytes with blocking and thread-pool reads, small files in one chunk', async () => {
    const small = Buffer.from('small message\r\n');
    const large = Buffer.alloc(600 * 1024, 'abc\r\n');
    for (const content of [small, large, Buffer.alloc(0)]) {
      const path = await file('m', content);
      for (const blocking of [true, false]) {
        const chunks = await collect(readChunks((await openMessageFile(path, blocking))!));
        expect(Buffer.concat(chunks).equals(content)).toBe(true);
        if (content === small) expect(chunks).toHaveLength(1);
      }
    }
  });

  it('closes a small file read with blocking calls at once, even if the stream is never read', async () => {
    const path = await file('m', Buffer.from('x'.repeat(1000)));
    const before = openDescriptors();
    const opened = (await openMessageFile(path, true))!;
    expect(openDescriptors()).toBe(before + 1);
    readChunks(opened);
    expect(openDescriptors()).toBe(before);
  });

  it('gives what is left of a file that shrank after it was opened', async () => {
    const path = await file('m', Buffer.from('0123456789'));
    for (const blocking of [true, false]) {
      await writeFile(path, '0123456789');
      const opened = (await openMessageFile(path, blocking))!;
      truncateSync(path, 4);
      expect(Buffer.concat(await collect(readChunks(opened))).toString()).toBe('0123');
    }
  });

  it('fails with the abort reason when the signal was aborted before reading', async () => {
    const path = await file('m', Buffer.from('hello\r\n'));
    for (const blocking of [true, false]) {
      const controller = new AbortController();
      const chunks = readChunks((await openMessageFile(path, blocking))!, controller.signal);
      controller.abort(new Error('client gone'));
      await expect(collect(chunks)).rejects.toThrow('client gone');
    }
  });
});
