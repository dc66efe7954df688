import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures/maildir-fixture.js';
import { appendUidEntry, parseUidList, readUidList, UID_LIST_FILE, writeUidList } from './uid-list.js';

describe('parseUidList', () => {
  it('reads the header, entries with and without W=, in UID order', () => {
    const list = parseUidList('poplar-uidlist 1 next=10\n3 a,S=5:x S=5 W=7\n5 b c S=9\n');
    expect(list.next).toBe(10);
    expect([...list.entries]).toEqual([
      ['a,S=5:x', { uid: 3, storedSize: 5, size: 7 }],
      ['b c', { uid: 5, storedSize: 9, size: undefined }],
    ]);
  });

  it('ignores a torn last line, garbage, repeated names and UIDs that do not increase', () => {
    const list = parseUidList(
      'poplar-uidlist 1 next=2\n4 a S=1 W=1\nnonsense\n4 b S=1 W=1\n3 c S=1 W=1\n6 a S=1 W=1\n7 d S=1 W=1\n8 torn S=',
    );
    expect([...list.entries.keys()]).toEqual(['a', 'd']);
    // next is never below the last UID seen + 1, whatever the header says.
    expect(list.next).toBe(8);
  });

  it('restarts above the current time when the header is damaged, so no UID can come back', () => {
    const now = Date.UTC(2030, 0, 1);
    const list = parseUidList('garbage\n3 a S=1 W=1\n', now);
    expect(list.entries.get('a')?.uid).toBe(3);
    expect(list.next).toBe(Math.floor(now / 1000));
    expect(parseUidList('').next).toBe(1);
  });
});

describe('UID list files', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.dispose());

  it('round-trips through write and read, and a missing list is empty', async () => {
    expect(await readUidList(dir.path)).toEqual({ next: 1, entries: new Map() });
    const entries = new Map([
      ['x', { uid: 1, storedSize: 10, size: 12 }],
      ['y', { uid: 4, storedSize: 3, size: undefined }],
    ]);
    await writeUidList(dir.path, { next: 7, entries });
    expect(await readUidList(dir.path)).toEqual({ next: 7, entries });
  });

  it('appends with the next UID, creating the list when missing', async () => {
    expect(await appendUidEntry(dir.path, 'a', { storedSize: 1, size: 2 })).toBe(1);
    expect(await appendUidEntry(dir.path, 'b', { storedSize: 1, size: 2 })).toBe(2);
    await writeUidList(dir.path, { next: 50, entries: new Map() });
    expect(await appendUidEntry(dir.path, 'c', { storedSize: 1, size: 2 })).toBe(50);
    expect(await appendUidEntry(dir.path, 'd', { storedSize: 1, size: 2 })).toBe(51);
    const list = await readUidList(dir.path);
    expect([...list.entries].map(([u, e]) => [u, e.uid])).toEqual([
      ['c', 50],
      ['d', 51],
    ]);
    expect(list.next).toBe(52);
  });

  it('finds the last UID in a long list without a full parse, and steps over a torn line', async () => {
    const entries = new Map<string, { uid: number; storedSize: number; size: number }>();
    for (let i = 1; i <= 2000; i++) entries.set(`message-${i}`, { uid: i * 2, storedSize: i, size: i + 1 });
    await writeUidList(dir.path, { next: 4001, entries });
    const path = join(dir.path, UID_LIST_FILE);
    // A crash mid-append left "4001 half" with no newline.
    await writeFile(path, `${await readFile(path, 'utf8')}4001 half S=`);
    expect(await appendUidEntry(dir.path, 'after-crash', { storedSize: 1, size: 2 })).toBe(4002);
    const list = await readUidList(dir.path);
    expect(list.entries.get('after-crash')?.uid).toBe(4002);
    expect(list.entries.size).toBe(2001);
  });

  it('starts over an empty list file with a header', async () => {
    await writeFile(join(dir.path, UID_LIST_FILE), '');
    expect(await appendUidEntry(dir.path, 'a', { storedSize: 1, size: 2 })).toBe(1);
    expect(await readFile(join(dir.path, UID_LIST_FILE), 'utf8')).toBe('poplar-uidlist 1 next=2\n1 a S=1 W=2\n');
  });

  it('falls back to a full parse when the header is damaged', async () => {
    await writeFile(join(dir.path, UID_LIST_FILE), 'junk\n9 a S=1 W=1\n');
    const uid = await appendUidEntry(dir.path, 'b', { storedSize: 1, size: 2 });
    expect(uid).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
  });
});
