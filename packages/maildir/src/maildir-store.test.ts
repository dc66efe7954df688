import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Maildrop, Store } from '@poplar/session';
import { exactSizeCalculator, type SizeCalculator } from '@poplar/size';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crlf, identity, readAll, storeContext, tempDir, writeForeign } from '../test/fixtures/maildir-fixture.js';
import { CRLF_CACHE_DIR } from './crlf-cache.js';
import { deliver } from './deliver.js';
import { MaildirError } from './maildir-error.js';
import { createMaildirStore } from './maildir-store.js';
import { resolveMaildir } from './resolve-maildir.js';
import { UID_LIST_FILE } from './uid-list.js';

const alice = identity('alice');

function listing(drop: Maildrop): Array<[string, number]> {
  return Array.from({ length: drop.count }, (_, i) => [drop.uid(i), drop.size(i)]);
}

/** The exact calculator, counting how many messages it had to read. */
function countingCalculator(): SizeCalculator & { reads: number } {
  const inner = exactSizeCalculator();
  const calc = {
    name: 'counting',
    exact: true,
    reads: 0,
    measure: (input: Parameters<SizeCalculator['measure']>[0]) =>
      inner.measure({
        ...input,
        open: () => {
          calc.reads++;
          return input.open();
        },
      }),
  };
  return calc;
}

describe.each([true, false])('createMaildirStore (blockingReads: %s)', (blockingReads) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let maildir: string;
  let store: Store;
  const open = (s: Store = store) => s.open(alice, storeContext());

  beforeEach(async () => {
    dir = await tempDir();
    maildir = await resolveMaildir(dir.path, 'alice');
    store = createMaildirStore({ mailRoot: dir.path, blockingReads });
  });
  afterEach(() => dir.dispose());

  it('opens an empty or brand-new maildrop', async () => {
    const fresh = await store.open(identity('newcomer'), storeContext());
    expect(fresh.count).toBe(0);
    await fresh.commit([]);
    await fresh.release();
    expect((await readdir(join(dir.path, 'newcomer', 'Maildir'))).sort()).toEqual(['cur', 'new', 'tmp']);
  });

  it('lists delivered mail in UID order with exact sizes and streams it back in CRLF form', async () => {
    const bodies = ['Subject: a\n\nline one\n.dot line\n', 'Subject: b\r\n\r\nno final newline', ''];
    for (const body of bodies) await deliver(maildir, Buffer.from(body));
    const drop = await open();
    expect(listing(drop)).toEqual([
      ['1', 31 + 4], // four bare LFs gain a CR each
      ['2', 30 + 2], // the CRLF RETR adds after the last line
      ['3', 0],
    ]);
    for (let i = 0; i < bodies.length; i++) {
      expect(await readAll(await drop.read(i, new AbortController().signal))).toBe(crlf(bodies[i]!));
    }
    await drop.release();
  });

  it('reports storage sizes when exact sizes are off', async () => {
    await deliver(maildir, Buffer.from('a\nb\n'));
    await writeForeign(maildir, 'new', '1700000000.V1I1M1.mx', 'x\ny\nz\n');
    const drop = await createMaildirStore({ mailRoot: dir.path, exactSize: false }).open(alice, storeContext());
    expect(listing(drop)).toEqual([
      ['1', 6], // delivered in CRLF form: storage and exact size agree
      ['2', 6], // stored with LF by other software: 9 octets on the wire
    ]);
  });

  it('keeps a snapshot: mail delivered during a session is invisible to it', async () => {
    await deliver(maildir, Buffer.from('first\n'));
    const drop = await open();
    await deliver(maildir, Buffer.from('second\n'));
    await writeForeign(maildir, 'new', '1700000000.V1I2M1.mx', 'third\n');
    expect(drop.count).toBe(1);
    expect(await readAll(await drop.read(0, new AbortController().signal))).toBe('first\r\n');
    const later = await open();
    expect(later.count).toBe(3);
  });

  it('lets several sessions of one user run at once', async () => {
    await deliver(maildir, Buffer.from('x\n'));
    const [a, b] = await Promise.all([open(), open()]);
    expect(listing(a)).toEqual(listing(b));
  });

  it('tidies a Maildir in the background once a session that had it open ends, unless told not to', async () => {
    // The cached form of a message that is gone: cleanTmp removes it whatever its age.
    const orphan = join(maildir, CRLF_CACHE_DIR, '1700000000.M1P1.gone');
    await mkdir(join(maildir, CRLF_CACHE_DIR), { recursive: true });
    for (const tidyEveryMs of [0, undefined]) {
      await writeFile(orphan, 'gone\r\n');
      const tidying = createMaildirStore({
        mailRoot: dir.path,
        blockingReads,
        ...(tidyEveryMs === 0 ? { tidyEveryMs } : {}),
      });
      const drop = await tidying.open(identity('alice'), storeContext());
      await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(orphan), 'while the session is open').toBe(true);
      await drop.release();
      for (let i = 0; i < 100 && existsSync(orphan); i++) await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(orphan), `tidyEveryMs: ${tidyEveryMs}`).toBe(tidyEveryMs === 0);
    }
  });

  it('reads null for a message removed behind the session', async () => {
    const { path } = await deliver(maildir, Buffer.from('gone soon\n'));
    const drop = await open();
    await unlink(path);
    expect(await drop.read(0, new AbortController().signal)).toBeNull();
  });

  it('still reads a message another program moved to cur/ or re-flagged', async () => {
    const { path, unique } = await deliver(maildir, Buffer.from('moving\n'));
    const drop = await open();
    await rename(path, join(maildir, 'cur', `${unique}:2,S`));
    expect(await readAll(await drop.read(0, new AbortController().signal))).toBe('moving\r\n');
    await rename(join(maildir, 'cur', `${unique}:2,S`), join(maildir, 'cur', `${unique}:2,RS`));
    expect(await readAll(await drop.read(0, new AbortController().signal))).toBe('moving\r\n');
    // And the UID stays.
    const again = await open();
    expect(listing(again)).toEqual(listing(drop));
    await drop.commit([0]);
    expect(await readdir(join(maildir, 'cur'))).toEqual([]);
  });

  it('keeps UIDs across opens and across a new store object, and never reuses a deleted one', async () => {
    for (let i = 0; i < 3; i++) await deliver(maildir, Buffer.from(`m${i}\n`));
    const first = await open();
    expect(listing(first).map(([uid]) => uid)).toEqual(['1', '2', '3']);
    await first.commit([2]);
    const restarted = createMaildirStore({ mailRoot: dir.path });
    const second = await open(restarted);
    expect(listing(second).map(([uid]) => uid)).toEqual(['1', '2']);
    await deliver(maildir, Buffer.from('after delete\n'));
    await writeForeign(maildir, 'new', '1800000000.V1I9M1.mx', 'foreign\n');
    const third = await open(restarted);
    expect(listing(third).map(([uid]) => uid)).toEqual(['1', '2', '4', '5']);
    // Removing everything and compacting the list keeps the counter.
    await third.commit([0, 1, 2, 3]);
    await writeForeign(maildir, 'new', '1800000001.V1I9M2.mx', 'more\n');
    const fourth = await open(restarted);
    expect(listing(fourth).map(([uid]) => uid)).toEqual(['6']);
    expect(await readFile(join(maildir, UID_LIST_FILE), 'utf8')).toMatch(/^poplar-uidlist 1 next=7\n6 /);
  });

  it('numbers files found on disk by mtime, then name, and keeps files from other software as they are', async () => {
    await writeForeign(maildir, 'cur', '1000.b.mx:2,S', 'late\n', 3000);
    await writeForeign(maildir, 'new', '1000.c.mx', 'early\n', 1000);
    await writeForeign(maildir, 'new', '1000.a.mx,S=6', 'tie a\n', 2000);
    await writeForeign(maildir, 'cur', '1000.z.mx,S=6:2,', 'tie z\n', 2000);
    const drop = await open();
    const bodies = [];
    for (let i = 0; i < drop.count; i++) bodies.push(await readAll(await drop.read(i, new AbortController().signal)));
    // Read in CRLF form; the files themselves stay as they are.
    expect(bodies).toEqual(['early\r\n', 'tie a\r\n', 'tie z\r\n', 'late\r\n']);
    expect(await readFile(join(maildir, 'new', '1000.c.mx'), 'latin1')).toBe('early\n');
    expect(listing(drop)).toEqual([
      ['1', 7],
      ['2', 7],
      ['3', 7],
      ['4', 6],
    ]);
    expect((await readdir(join(maildir, 'new'))).sort()).toEqual(['1000.a.mx,S=6', '1000.c.mx']);
    expect((await readdir(join(maildir, 'cur'))).sort()).toEqual(['1000.b.mx:2,S', '1000.z.mx,S=6:2,']);
  });

  it('computes sizes of files without W= once, then answers from the UID list without reading mail', async () => {
    const calc = countingCalculator();
    const counted = createMaildirStore({ mailRoot: dir.path, sizeCalculator: calc });
    await writeForeign(maildir, 'new', '1700000000.V1I1M1.mx', 'a\nb\n');
    await writeForeign(maildir, 'cur', '1700000001.V1I1M2.mx,S=3:2,S', 'c\r\n');
    await writeForeign(maildir, 'cur', '1700000002.V1I1M3.mx,S=2,W=999:2,S', 'd\n');
    await deliver(maildir, Buffer.from('e\n'));
    const first = await open(counted);
    expect(calc.reads).toBe(2);
    // The W= hint is trusted as written by the software that delivered the file.
    expect(listing(first).map(([, size]) => size)).toEqual([3, 6, 3, 999]);
    const listBefore = await readFile(join(maildir, UID_LIST_FILE), 'utf8');
    const second = await open(counted);
    const third = await open(createMaildirStore({ mailRoot: dir.path, sizeCalculator: calc }));
    expect(calc.reads).toBe(2);
    expect(listing(second)).toEqual(listing(first));
    expect(listing(third)).toEqual(listing(first));
    // The fast path wrote nothing.
    expect(await readFile(join(maildir, UID_LIST_FILE), 'utf8')).toBe(listBefore);
  });

  it('lets a login wait only for the numbering, not for the sizes, when a first open measures many files', async () => {
    // 160 files of other software, each taking 150 ms to measure, 32 at a time: about 750 ms of reading, against a
    // lock wait of 400 ms. Measured under the lock, the second open would time out.
    const inner = exactSizeCalculator();
    const slow: SizeCalculator & { reads: number } = {
      name: 'slow',
      exact: true,
      reads: 0,
      measure: async (input) => {
        slow.reads++;
        await new Promise((resolve) => setTimeout(resolve, 150));
        return inner.measure(input);
      },
    };
    for (let i = 0; i < 160; i++) {
      await writeForeign(maildir, 'new', `1700000000.V1I1M${i}.mx`, `message ${i}\n`, 1_700_000_000 + i);
    }
    const store = createMaildirStore({ mailRoot: dir.path, sizeCalculator: slow, lockTimeoutMs: 400, listingCache: 0 });
    const [first, second] = await Promise.all([open(store), open(store)]);
    expect(listing(first)).toHaveLength(160);
    expect(listing(second)).toEqual(listing(first));
    expect(listing(first).map(([uid, size]) => [uid, size])).toEqual(
      Array.from({ length: 160 }, (_, i) => [String(i + 1), `message ${i}\r\n`.length]),
    );
    // Once in all: the second open shared the first one's measurement, and found the sizes in the list.
    expect(slow.reads).toBe(160);
  });

  it('adds exact sizes to a list written while exact sizes were off', async () => {
    await writeForeign(maildir, 'new', '1700000000.V1I1M1.mx', 'a\nb\n');
    await createMaildirStore({ mailRoot: dir.path, exactSize: false }).open(alice, storeContext());
    expect(await readFile(join(maildir, UID_LIST_FILE), 'utf8')).toMatch(/ S=4\n$/);
    const drop = await open();
    expect(listing(drop)).toEqual([['1', 6]]);
    expect(await readFile(join(maildir, UID_LIST_FILE), 'utf8')).toMatch(/ S=4 W=6\n$/);
  });

  it('commits exactly the marked messages, and again is harmless', async () => {
    for (let i = 0; i < 6; i++) await deliver(maildir, Buffer.from(`m${i}\n`));
    const drop = await open();
    await drop.commit([1, 3, 3, 5]);
    await drop.commit([1, 3, 5]);
    const after = await open();
    expect(listing(after).map(([uid]) => uid)).toEqual(['1', '3', '5']);
    for (let i = 0; i < after.count; i++) {
      expect(await readAll(await after.read(i, new AbortController().signal))).toBe(`m${i * 2}\r\n`);
    }
    await expect(drop.commit([6])).rejects.toThrow(RangeError);
    await drop.release();
    await drop.release();
    await expect(drop.commit([0])).rejects.toThrow(/released/);
  });

  it('ignores symlinks, directories and dot files inside the Maildir', async () => {
    const secret = join(dir.path, 'secret');
    await writeFile(secret, 'top secret\n');
    await symlink(secret, join(maildir, 'cur', '1700000000.V1I1M1.evil:2,S'));
    await symlink(secret, join(maildir, 'new', '1700000000.V1I1M2.evil'));
    await mkdir(join(maildir, 'new', '1700000000.V1I1M3.dir'));
    await writeForeign(maildir, 'new', '.hidden', 'hidden\n');
    await writeForeign(maildir, 'new', '1700000000.V1I1M4.ok', 'ok\n');
    const drop = await open();
    expect(drop.count).toBe(1);
    expect(await readAll(await drop.read(0, new AbortController().signal))).toBe('ok\r\n');
  });

  it('does not follow a symlink swapped in for a message after login', async () => {
    const { path } = await deliver(maildir, Buffer.from('real\n'));
    const drop = await open();
    const secret = join(dir.path, 'secret');
    await writeFile(secret, 'top secret\n');
    await unlink(path);
    await symlink(secret, path);
    expect(await drop.read(0, new AbortController().signal)).toBeNull();
  });

  it('streams large messages in big chunks and stops when the signal aborts', async () => {
    const big = Buffer.alloc(1024 * 1024, 'y');
    const { size } = await deliver(maildir, big);
    const drop = await open();
    const sizes: number[] = [];
    for await (const chunk of (await drop.read(0, new AbortController().signal))!) sizes.push(chunk.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(size);
    expect(Math.min(...sizes.slice(0, -1))).toBeGreaterThanOrEqual(64 * 1024);
    const controller = new AbortController();
    const stream = (await drop.read(0, controller.signal))!;
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toThrow();
  });

  it('maps identities through maildirFor, and refuses identities it does not know', async () => {
    const custom = join(dir.path, 'vmail', 'example.org', 'bob');
    const mapped = createMaildirStore({
      mailRoot: dir.path,
      maildirFor: (id) => (id.user === 'bob@example.org' ? custom : undefined),
    });
    expect((await mapped.open(identity('bob@example.org'), storeContext())).count).toBe(0);
    await deliver(custom, Buffer.from('for bob\n'));
    const drop = await mapped.open(identity('bob@example.org'), storeContext());
    expect(drop.count).toBe(1);
    const error = await mapped.open(identity('alice'), storeContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaildirError);
    expect(error).toMatchObject({ code: 'MAILDIR_ERR_NO_MAILDROP', kind: 'permanent' });
  });

  it('refuses a hostile user name with a permanent StoreError', async () => {
    await expect(store.open(identity('../../etc'), storeContext())).rejects.toMatchObject({
      name: 'MaildirError',
      kind: 'permanent',
      code: 'MAILDIR_ERR_BAD_USER',
    });
  });
});
