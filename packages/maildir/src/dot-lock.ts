import { randomBytes } from 'node:crypto';
import { link, lstat, readFile, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoOf, ioError, MaildirError } from './maildir-error.js';

export interface DotLockOptions {
  /** Give up after this long (MAILDIR_ERR_LOCK_TIMEOUT, temporary). Default 10 s. */
  readonly timeoutMs?: number;
  /** A lock not refreshed for this long is stale and gets broken. Default 120 s (Dovecot's uidlist value). */
  readonly staleMs?: number;
  readonly signal?: AbortSignal;
}

export interface DotLock {
  /** Removes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 120_000;

/**
 * Tokens of the locks this process holds, shared by every copy of this module in the process. A lock naming our
 * own pid with a token not in here was left by an earlier process that had the same pid (containers reuse pids).
 */
const HELD = Symbol.for('poplar.maildir.heldLocks');
const registry = globalThis as { [HELD]?: Set<string> };
registry[HELD] ??= new Set<string>();
const held: Set<string> = registry[HELD];

/**
 * Takes a dot-lock the NFS-safe way: write a unique file, link() it to the lock name and trust the link count of
 * the unique file rather than link()'s return value (an NFS server can answer EEXIST for a link it did make). The
 * lock holds "<pid> <host> <token>"; it is stale when its owner is a dead process on this host or when it has not been
 * refreshed for `staleMs`. The holder refreshes it every staleMs / 3.
 */
export async function acquireDotLock(lockPath: string, options: DotLockOptions = {}): Promise<DotLock> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const host = hostname();
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    if (options.signal?.aborted) throw abortError(options.signal, lockPath);
    // The random token tells our lock from a later one that happens to reuse its inode or our pid.
    const token = randomBytes(8).toString('hex');
    const content = `${process.pid} ${host} ${token}\n`;
    if (await tryLink(lockPath, content)) return holdLock(lockPath, content, token, staleMs);
    if (await breakIfStale(lockPath, staleMs, host)) continue;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new MaildirError('MAILDIR_ERR_LOCK_TIMEOUT', 'temporary', `timed out waiting for ${lockPath}`);
    }
    const wait = Math.min(left, delay + Math.random() * delay);
    await sleep(wait, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    delay = Math.min(delay * 2, 100);
  }
}

/** One attempt; true when the lock is ours. */
async function tryLink(lockPath: string, content: string): Promise<boolean> {
  const unique = join(dirname(lockPath), `.${basename(lockPath)}.${randomBytes(8).toString('hex')}.${process.pid}`);
  try {
    await writeFile(unique, content, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Created but not written (a full disk): it must not stay behind.
    if (errnoOf(err) !== 'EEXIST') await unlink(unique).catch(() => undefined);
    throw ioError(err, `cannot create lock file in ${dirname(lockPath)}`);
  }
  try {
    await link(unique, lockPath).catch((err: unknown) => {
      if (errnoOf(err) !== 'EEXIST') throw ioError(err, `cannot link ${lockPath}`);
    });
    const stats = await lstat(unique).catch((err: unknown) => {
      throw ioError(err, `cannot inspect ${unique}`);
    });
    return stats.nlink === 2;
  } finally {
    await unlink(unique).catch(() => undefined);
  }
}

/** True when the lock was stale and has been removed (or vanished meanwhile): try again at once. */
async function breakIfStale(lockPath: string, staleMs: number, host: string): Promise<boolean> {
  let before: Awaited<ReturnType<typeof lstat>>;
  let owner: string;
  try {
    before = await lstat(lockPath);
    owner = await readFile(lockPath, 'latin1');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return true;
    throw ioError(err, `cannot inspect ${lockPath}`);
  }
  const [pidText, ownerHost, token = ''] = owner.trim().split(' ');
  const pid = Number(pidText);
  const ownerDead = ownerHost === host && Number.isSafeInteger(pid) && pid > 0 && !isAlive(pid, token);
  // An empty or unreadable lock is being written right now, or was left by a crash: only age can tell.
  if (!ownerDead && Date.now() - before.mtimeMs <= staleMs) return false;
  // Check it is still the same stale lock just before removing it, so a fresh lock is not broken by mistake.
  const now = await lstat(lockPath).catch(() => undefined);
  if (now === undefined) return true;
  if (now.ino !== before.ino || now.mtimeMs !== before.mtimeMs) return false;
  await unlink(lockPath).catch((err: unknown) => {
    if (errnoOf(err) !== 'ENOENT') throw ioError(err, `cannot remove stale ${lockPath}`);
  });
  return true;
}

function isAlive(pid: number, token: string): boolean {
  if (pid === process.pid) return held.has(token);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) !== 'ESRCH';
  }
}

function holdLock(lockPath: string, content: string, token: string, staleMs: number): DotLock {
  held.add(token);
  const isOurs = async () => (await readFile(lockPath, 'latin1').catch(() => undefined)) === content;
  const refresh = setInterval(
    () => {
      void isOurs()
        .then((ours) => (ours ? utimes(lockPath, new Date(), new Date()) : undefined))
        .catch(() => undefined);
    },
    Math.max(1, Math.floor(staleMs / 3)),
  );
  refresh.unref();
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        clearInterval(refresh);
        if (await isOurs()) await unlink(lockPath).catch(() => undefined);
        held.delete(token);
      })();
      return released;
    },
  };
}

function abortError(signal: AbortSignal, lockPath: string): MaildirError {
  return new MaildirError('MAILDIR_ERR_LOCK_TIMEOUT', 'temporary', `gave up waiting for ${lockPath}`, {
    cause: signal.reason,
  });
}
