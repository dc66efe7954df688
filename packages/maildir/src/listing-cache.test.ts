import { readdir, readFile, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Maildrop, Store } from '@poplar/session';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identity, readAll, storeContext, tempDir, writeForeign } from '../test/fixtures/maildir-fixture.js';
import { deliver } from './deliver.js';
import { ListingCache } from './listing-cache.js';
import { createMaildirStore } from './maildir-store.js';
import { resolveMaildir } from './resolve-maildir.js';
import { UID_LIST_FILE } from './uid-list.js';

const alice = identity('alice');
const uids = (drop: Maildrop) => Array.from({ length: drop.count }, (_, i) => drop.uid(i));

describe('listing cache', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let maildir: string;
  let store: Store;
  const open = (s: Store = store) => s.open(alice, storeContext());
  /** Dates the folders and the list an hour back, as if the Maildir had not changed for that long. */
  const settle = async () => {
    const past = new Date(Date.now() - 3_600_000);
    for (const path of ['new', 'cur', UID_LIST_FILE]) await utimes(join(maildir, path), past, past);
    return past;
  };

  beforeEach(async () => {
    dir = await tempDir();
    maildir = await resolveMaildir(dir.path, 'alice');
    store = createMaildirStore({ mailRoot: dir.path });
    for (let i = 0; i < 3; i++) await deliver(maildir, Buffer.from(`m${i}\r\n`));
  });
  afterEach(() => dir.dispose());

  it('reuses the listing of an unchanged Maildir without reading the folders', async () => {
    const past = await settle();
    const first = await open();
    expect(uids(first)).toEqual(['1', '2', '3']);
    // A file slipped in while new/ keeps its old mtime: only a reused listing can miss it.
    await writeForeign(maildir, 'new', '1700000000.V1I1M9.mx', 'x\n');
    await utimes(join(maildir, 'new'), past, past);
    const second = await open();
    expect(uids(second)).toEqual(['1', '2', '3']);
    expect(await readAll(await second.read(2, new AbortController().signal))).toBe('m2\r\n');
    await first.release();
    await second.release();
  });

  it('reads the Maildir again once a folder or the list changes', async () => {
    await settle();
    expect((await open()).count).toBe(3);
    await deliver(maildir, Buffer.from('m3\r\n'));
    expect(uids(await open())).toEqual(['1', '2', '3', '4']);
    // A move into cur/ (a reader marking mail seen) changes both folders.
    await settle();
    const [name] = await readdir(join(maildir, 'new'));
    await rename(join(maildir, 'new', name!), join(maildir, 'cur', `${name!}:2,S`));
    expect(uids(await open())).toEqual(['1', '2', '3', '4']);
    // The list changed with every time put back: its size still tells.
    const past = await settle();
    const list = join(maildir, UID_LIST_FILE);
    await writeFile(list, (await readFile(list, 'utf8')).replace(/^1 (\S+) S=4 W=4$/m, '1 $1 S=4 W=40'));
    await utimes(list, past, past);
    expect((await open()).size(0)).toBe(40);
  });

  it('keeps nothing for a Maildir that changed in the last seconds, or when turned off', async () => {
    // Just delivered: a change in the same timestamp tick could go unseen, so every open reads the folders.
    expect((await open()).count).toBe(3);
    await writeForeign(maildir, 'new', '1700000000.V1I1M9.mx', 'x\n');
    expect((await open()).count).toBe(4);
    const off = createMaildirStore({ mailRoot: dir.path, listingCache: 0 });
    const past = await settle();
    expect((await open(off)).count).toBe(4);
    await writeForeign(maildir, 'new', '1700000001.V1I1M9.mx', 'y\n');
    await utimes(join(maildir, 'new'), past, past);
    expect((await open(off)).count).toBe(5);
  });

  it('drops the least recently used listings beyond its message budget', () => {
    const listing = (count: number) => ({
      uids: new Float64Array(count),
      sizes: new Float64Array(count),
      storedSizes: new Float64Array(count),
      exactSizes: new Float64Array(count),
      folders: new Uint8Array(count),
      offsets: new Uint32Array(count + 1),
      names: '',
    });
    const cache = new ListingCache(10);
    const a = listing(4);
    const b = listing(4);
    cache.set('/a', 's', a);
    cache.set('/b', 's', b);
    expect(cache.get('/a', 's')).toBe(a);
    cache.set('/c', 's', listing(4));
    expect(cache.get('/b', 's')).toBeUndefined();
    expect(cache.get('/a', 's')).toBe(a);
    expect(cache.get('/a', 'other')).toBeUndefined();
    expect(cache.get('/a', 's')).toBeUndefined();
    cache.set('/big', 's', listing(11));
    expect(cache.get('/big', 's')).toBeUndefined();
  });
});
