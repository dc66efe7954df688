import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures/maildir-fixture.js';
import { acquireDotLock } from './dot-lock.js';
import { MaildirError } from './maildir-error.js';

describe('acquireDotLock', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let lockPath: string;
  beforeEach(async () => {
    dir = await tempDir();
    lockPath = join(dir.path, 'test.lock');
  });
  afterEach(() => dir.dispose());

  it('writes "<pid> <host> <token>", excludes a second holder until released, and leaves no temp files', async () => {
    const first = await acquireDotLock(lockPath);
    expect(await readFile(lockPath, 'latin1')).toMatch(new RegExp(`^${process.pid} ${hostname()} [0-9a-f]{16}\n$`));
    let secondHeld = false;
    const second = acquireDotLock(lockPath).then((lock) => {
      secondHeld = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(secondHeld).toBe(false);
    await first.release();
    await (await second).release();
    expect(secondHeld).toBe(true);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('serialises many concurrent holders', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lock = await acquireDotLock(lockPath);
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 1));
        inside--;
        await lock.release();
      }),
    );
    expect(most).toBe(1);
  });

  it('times out with a temporary MaildirError', async () => {
    const held = await acquireDotLock(lockPath);
    const error = await acquireDotLock(lockPath, { timeoutMs: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaildirError);
    expect(error).toMatchObject({ code: 'MAILDIR_ERR_LOCK_TIMEOUT', kind: 'temporary' });
    await held.release();
  });

  it('gives up when the signal aborts', async () => {
    const held = await acquireDotLock(lockPath);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await acquireDotLock(lockPath, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MAILDIR_ERR_LOCK_TIMEOUT' });
    await held.release();
  });

  it('breaks a lock whose owner on this host is dead', async () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(child.stdout.toString());
    await writeFile(lockPath, `${deadPid} ${hostname()}\n`);
    const lock = await acquireDotLock(lockPath, { timeoutMs: 1000 });
    expect(await readFile(lockPath, 'latin1')).toMatch(new RegExp(`^${process.pid} `));
    await lock.release();
  });

  it('breaks a lock naming our pid that this process does not hold (an earlier process with the same pid)', async () => {
    await writeFile(lockPath, `${process.pid} ${hostname()} 0123456789abcdef\n`);
    const lock = await acquireDotLock(lockPath, { timeoutMs: 1000 });
    expect(await readFile(lockPath, 'latin1')).not.toContain('0123456789abcdef');
    await lock.release();
  });

  it('breaks a lock from another host only once it is older than staleMs', async () => {
    await writeFile(lockPath, '1 some-other-host\n');
    await expect(acquireDotLock(lockPath, { timeoutMs: 50, staleMs: 60_000 })).rejects.toMatchObject({
      code: 'MAILDIR_ERR_LOCK_TIMEOUT',
    });
    const old = Date.now() / 1000 - 120;
    await utimes(lockPath, old, old);
    const lock = await acquireDotLock(lockPath, { timeoutMs: 1000, staleMs: 60_000 });
    await lock.release();
  });

  it('keeps a held lock fresh, and release does not remove a lock that is no longer ours', async () => {
    const lock = await acquireDotLock(lockPath, { staleMs: 90 });
    const old = Date.now() / 1000 - 100;
    await utimes(lockPath, old, old);
    await new Promise((r) => setTimeout(r, 120));
    expect((await stat(lockPath)).mtimeMs).toBeGreaterThan(Date.now() - 5_000);
    // Someone broke our lock and took it: our release must leave theirs alone.
    await unlink(lockPath);
    await writeFile(lockPath, `1 other\n`);
    await lock.release();
    await lock.release();
    expect(await readFile(lockPath, 'latin1')).toBe('1 other\n');
  });
});
