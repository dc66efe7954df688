// A 100 000-message maildrop: the first open numbers every file once; later opens take the fast path (no lock,
// no write, no message read). Times are printed, not asserted: speed claims come from the benchmark harness.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMaildir, UID_LIST_FILE } from '../src/index.js';
import { createMaildirStore } from '../src/maildir-store.js';
import { fillFolder, identity, readAll, storeContext, tempDir } from './fixtures/maildir-fixture.js';

const COUNT = 100_000;
let dir: Awaited<ReturnType<typeof tempDir>>;
let maildir: string;

beforeAll(async () => {
  dir = await tempDir();
  maildir = await resolveMaildir(dir.path, 'bulk');
  const started = performance.now();
  fillFolder(maildir, 'cur', COUNT, (i) => `1700000000.M${String(i).padStart(6, '0')}P1.mx,S=2,W=3:2,S`);
  console.log(`created ${COUNT} files in ${Math.round(performance.now() - started)} ms`);
}, 300_000);
afterAll(() => dir.dispose(), 120_000);

describe('a 100 000-message Maildir', () => {
  it('opens, then opens again from the UID list alone', async () => {
    const store = createMaildirStore({ mailRoot: dir.path });
    let started = performance.now();
    const first = await store.open(identity('bulk'), storeContext());
    const firstMs = performance.now() - started;
    expect(first.count).toBe(COUNT);
    const list = await stat(join(maildir, UID_LIST_FILE));

    started = performance.now();
    const second = await store.open(identity('bulk'), storeContext());
    const secondMs = performance.now() - started;
    console.log(`first open ${Math.round(firstMs)} ms, second open ${Math.round(secondMs)} ms`);

    expect(second.count).toBe(COUNT);
    // Fast path: the list was not rewritten and no lock is left.
    expect((await stat(join(maildir, UID_LIST_FILE))).mtimeMs).toBe(list.mtimeMs);
    expect(await readdir(maildir)).not.toContain('poplar-uidlist.lock');
    for (const index of [0, 1, 54_321, COUNT - 1]) {
      expect(second.uid(index)).toBe(String(index + 1));
      expect(second.size(index)).toBe(3);
      expect(await readAll(await second.read(index, new AbortController().signal))).toBe(`${index % 10}\r\n`);
    }
    expect((await readFile(join(maildir, UID_LIST_FILE), 'utf8')).split('\n')[0]).toBe(
      `poplar-uidlist 1 next=${COUNT + 1}`,
    );
  });
});
