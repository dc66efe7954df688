import { constants } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CrlfNormalizer } from '@poplar/wire';
import { acquireDotLock } from './dot-lock.js';
import { ensureMaildir } from './ensure-maildir.js';
import { ioError } from './maildir-error.js';
import { syncDirectory } from './sync-directory.js';
import { appendUidEntry, UID_LIST_LOCK } from './uid-list.js';
import { newUniqueName } from './unique-name.js';

export interface DeliverOptions {
  /** How long to wait for the UID list lock. Default 10 s. */
  readonly lockTimeoutMs?: number;
  /** When a UID list lock left by a crashed process counts as stale. Default 120 s. */
  readonly staleLockMs?: number;
}

export interface Delivery {
  /** The UIDL the message will have, in every session from now on. */
  readonly uid: number;
  /** The file's unique name, `<time>.M…P…Q…R….<host>,S=<storedSize>,W=<size>`. */
  readonly unique: string;
  /** Absolute path of the file in new/. */
  readonly path: string;
  /** Exact RFC 822 size (octets RETR sends before dot-stuffing). */
  readonly size: number;
  /** Bytes written: the message in CRLF form, so the same as `size`. */
  readonly storedSize: number;
}

/**
 * Delivers one message the Maildir way: write it to tmp/ in CRLF form (bare LF -> CRLF, a final CRLF when missing)
 * and fsync, then, holding the UID list lock, record its UID and rename it into new/ with ",S=<stored>,W=<exact>"
 * (equal, as the file holds the exact form) and fsync new/. Any failure (ENOSPC, EIO, a failing source)
 * removes the tmp file and throws a MaildirError ('temporary' unless retrying cannot help): the message is either
 * fully delivered or not visible at all.
 */
export async function deliver(
  maildir: string,
  message: Uint8Array | AsyncIterable<Uint8Array>,
  options: DeliverOptions = {},
): Promise<Delivery> {
  await ensureMaildir(maildir);
  const base = newUniqueName();
  const tmpPath = join(maildir, 'tmp', base);
  let handle: FileHandle | undefined;
  let placed = false;
  try {
    handle = await open(
      tmpPath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    // Stored in CRLF form, the octets RETR sends before dot-stuffing: S= equals W=, and reads need no conversion.
    const normalizer = new CrlfNormalizer();
    for await (const chunk of message instanceof Uint8Array ? [message] : message) {
      await writeAll(handle, normalizer.push(chunk));
    }
    await writeAll(handle, normalizer.end());
    await handle.sync();
    await handle.close();
    handle = undefined;
    const size = normalizer.length;
    const storedSize = size;
    const unique = `${base},S=${storedSize},W=${size}`;
    const path = join(maildir, 'new', unique);
    const lock = await acquireDotLock(join(maildir, UID_LIST_LOCK), {
      ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
      ...(options.staleLockMs === undefined ? {} : { staleMs: options.staleLockMs }),
    });
    try {
      // Recorded before it becomes visible, so no reader ever sees it without its UID.
      const uid = await appendUidEntry(maildir, unique, { storedSize, size });
      await rename(tmpPath, path);
      placed = true;
      await syncDirectory(join(maildir, 'new'));
      return { uid, unique, path, size, storedSize };
    } finally {
      await lock.release();
    }
  } catch (err) {
    throw ioError(err, `delivery to ${maildir} failed`);
  } finally {
    await handle?.close().catch(() => undefined);
    if (!placed) await unlink(tmpPath).catch(() => undefined);
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
