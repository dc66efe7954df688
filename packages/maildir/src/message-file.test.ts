import { readdirSync, truncateSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures/maildir-fixture.js';
import {
  closeQuietly,
  convertedFileStream,
  crlfFileStream,
  type OpenFile,
  openMessageFile,
  readChunks,
} from './message-file.js';

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

describe('crlfFileStream', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.dispose());

  async function stream(content: string | Buffer, blocking = true) {
    const path = join(dir.path, `m${Math.random()}`);
    await writeFile(path, content);
    return crlfFileStream((await openMessageFile(path, blocking))!, new AbortController().signal);
  }

  it('reads small files into pooled memory that comes back once recycled', async () => {
    const first = await stream('first message\r\n');
    const [a] = await collectViews(first);
    first.recycle!(a!);
    const second = await stream('second\r\n');
    const third = await stream('third message\r\n');
    const [b] = await collectViews(second);
    const [c] = await collectViews(third);
    // The second stream got the recycled memory; the third, read while the second still holds it, other memory.
    expect(b!.buffer).toBe(a!.buffer);
    expect(c!.buffer).not.toBe(a!.buffer);
    expect(Buffer.from(b!).toString()).toBe('second\r\n');
    expect(Buffer.from(c!).toString()).toBe('third message\r\n');
  });

  it('hands over a small file read with blocking calls whole, and larger or thread-pool reads as chunks only', async () => {
    const small = await stream('whole message\r\n');
    expect(Buffer.from(small.whole!).toString()).toBe('whole message\r\n');
    expect((await stream('pooled read\r\n', false)).whole).toBeUndefined();
    expect((await stream(Buffer.alloc(300 * 1024, 'large\r\n'))).whole).toBeUndefined();
  });

  it('reads large files and thread-pool reads into pooled chunks too, each given back on its own', async () => {
    const content = Buffer.alloc(600 * 1024, 'large\r\n');
    for (const blocking of [true, false]) {
      const first = await stream(content, blocking);
      expect(first).toMatchObject({ form: 'crlf', length: content.length });
      const chunks = await collectViews(first);
      expect(chunks.map((chunk) => chunk.length)).toEqual([256 * 1024, 256 * 1024, 88 * 1024]);
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
      for (const chunk of chunks) first.recycle!(chunk);
      const again = await collectViews(await stream(content, blocking));
      // The pool hands back the most recently recycled buffer of a size first.
      expect(again[0]!.buffer).toBe(chunks[1]!.buffer);
      expect(again[2]!.buffer).toBe(chunks[2]!.buffer);
      expect(Buffer.concat(again).equals(content)).toBe(true);
    }
  });
});

/** The chunks as the stream yields them (views, not copies). */
async function collectViews(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('convertedFileStream', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.dispose());

  async function open(content: string, blocking = true): Promise<OpenFile> {
    const path = join(dir.path, `m${Math.random()}`);
    await writeFile(path, content, 'latin1');
    return (await openMessageFile(path, blocking))!;
  }

  const crlf = (lf: string): string => `${lf.replaceAll('\n', '\r\n')}${lf.endsWith('\n') ? '' : '\r\n'}`;

  it('gives the CRLF form of a small LF message in pooled memory, given back once written', async () => {
    const lf = 'Subject: x\n\n.dot line\nbare CR\r here\nlast line without LF';
    const file = await open(lf);
    const before = openDescriptors();
    const converted = convertedFileStream(file, crlf(lf).length, new AbortController().signal)!;
    // Read and closed at once.
    expect(openDescriptors()).toBe(before - 1);
    expect(converted).toMatchObject({ form: 'crlf', length: crlf(lf).length });
    const [a] = await collectViews(converted);
    expect(Buffer.from(a!).toString('latin1')).toBe(crlf(lf));
    converted.recycle!(a!);
    // The next small read gets that memory back.
    const next = crlfFileStream(await open('x\r\n'), new AbortController().signal);
    const [b] = await collectViews(next);
    expect(b!.buffer).toBe(a!.buffer);
    expect(Buffer.from(b!).toString('latin1')).toBe('x\r\n');
  });

  it('converts a file that grew more bare LFs than its listed size allows, in memory of its own', async () => {
    // Listed at 16 000 octets, so converted into a 16 KiB buffer, which its 30 000 do not fit.
    const lf = 'a\n'.repeat(10_000);
    const converted = convertedFileStream(await open(lf), 16_000, new AbortController().signal)!;
    expect(converted.recycle).toBeUndefined();
    expect(converted.length).toBe(30_000);
    expect(Buffer.concat(await collectViews(converted)).toString('latin1')).toBe(crlf(lf));
  });

  it('leaves thread-pool reads and files over 256 KiB to the streaming path, reading nothing', async () => {
    const small = await open('a\n', false);
    expect(convertedFileStream(small, 3, new AbortController().signal)).toBeUndefined();
    const large = await open('b\n'.repeat(140_000));
    expect(convertedFileStream(large, 420_000, new AbortController().signal)).toBeUndefined();
    expect(Buffer.concat(await collect(readChunks(large))).length).toBe(280_000);
    closeQuietly(small.fd);
  });

  it('fails with the abort reason when the signal was aborted before the read', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const converted = convertedFileStream(await open('a\n'), 3, controller.signal)!;
    await expect(collect(converted)).rejects.toThrow('gone');
  });
});
