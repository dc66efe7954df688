import { readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aliceMaildir } from '../test/fixtures/maildir-fixture.js';
import { MaildirWatch } from './maildir-watch.js';

/** inotify watches this process holds (Linux lists them in the fdinfo of its inotify descriptor). */
function inotifyWatches(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    try {
      count += readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // Closed meanwhile.
    }
  }
  return count;
}

/** Waits until `watch` reports a change; the kernel's event reaches the loop within a turn or so. */
async function changeSeen(watch: MaildirWatch): Promise<boolean> {
  for (let turn = 0; turn < 200 && watch.unchanged; turn++) await new Promise((r) => setTimeout(r, 5));
  return !watch.unchanged;
}

describe('MaildirWatch', () => {
  const alice = aliceMaildir();
  const watches: MaildirWatch[] = [];
  const start = (...args: Parameters<typeof MaildirWatch.start>) => {
    const watch = MaildirWatch.start(...args);
    if (watch !== undefined) watches.push(watch);
    return watch;
  };

  afterEach(() => {
    for (const watch of watches.splice(0)) watch.release();
  });

  it('is unchanged until something in cur/ or new/ changes, each kind of change counting', async () => {
    const changes: [string, () => Promise<unknown>][] = [
      ['delivered to new/', () => writeFile(join(alice.maildir, 'new', '1.M1P1.mx'), 'x\n')],
      [
        'moved to cur/',
        () => rename(join(alice.maildir, 'new', '1.M1P1.mx'), join(alice.maildir, 'cur', '1.M1P1.mx:2,')),
      ],
      [
        're-flagged',
        () => rename(join(alice.maildir, 'cur', '1.M1P1.mx:2,'), join(alice.maildir, 'cur', '1.M1P1.mx:2,S')),
      ],
      ['removed', () => rm(join(alice.maildir, 'cur', '1.M1P1.mx:2,S'))],
    ];
    for (const [what, change] of changes) {
      // A watch of its own for each change: late events of the one before (a write after a create) go unseen.
      const watch = MaildirWatch.start(alice.maildir)!;
      await new Promise((r) => setTimeout(r, 20));
      expect(watch.unchanged, `before: ${what}`).toBe(true);
      await change();
      expect(await changeSeen(watch), what).toBe(true);
      watch.release();
    }
  });

  it('ignores what happens outside cur/ and new/ (the cache folder, the UID list)', async () => {
    const watch = start(alice.maildir)!;
    await writeFile(join(alice.maildir, 'poplar-uidlist-test'), 'x');
    await new Promise((r) => setTimeout(r, 50));
    expect(watch.unchanged).toBe(true);
  });

  it('shares one watch per Maildir; a session joining later starts from no change; the last release stops it', async () => {
    const before = inotifyWatches();
    await writeFile(join(alice.maildir, 'new', '2.M2P2.mx'), 'x\n');
    const first = start(alice.maildir)!;
    expect(inotifyWatches()).toBe(before + 2);
    // One event, so none is still on its way when the second session joins.
    await rm(join(alice.maildir, 'new', '2.M2P2.mx'));
    expect(await changeSeen(first)).toBe(true);
    const second = start(alice.maildir)!;
    expect(inotifyWatches()).toBe(before + 2);
    expect(second.unchanged).toBe(true);
    first.release();
    first.release();
    expect(inotifyWatches()).toBe(before + 2);
    second.release();
    expect(inotifyWatches()).toBe(before);
  });

  it('does not watch a file system it cannot trust, or a Maildir without its folders', async () => {
    expect(start(alice.maildir, new Set())).toBeUndefined();
    await rm(join(alice.maildir, 'new'), { recursive: true });
    const before = inotifyWatches();
    expect(start(alice.maildir)).toBeUndefined();
    expect(inotifyWatches()).toBe(before);
  });
});
