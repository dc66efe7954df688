import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { errnoOf, ioError } from './maildir-error.js';

const SMALL_CHUNK = 64 * 1024;
const LARGE_CHUNK = 256 * 1024;

/** Read size for a message of `storedSize` bytes: one read for most mail, large reads for big mail. */
export function chunkSizeFor(storedSize: number): number {
  return storedSize < SMALL_CHUNK ? SMALL_CHUNK : LARGE_CHUNK;
}

/**
 * Opens a message file for reading without following a symlink. null when it is gone, is a symlink or is not a
 * regular file; other failures throw a MaildirError.
 */
export async function openMessageFile(path: string): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ELOOP') return null;
    throw ioError(err, `cannot open ${path}`);
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw ioError(err, `cannot stat ${path}`);
  }
  await handle.close().catch(() => undefined);
  return null;
}

/**
 * Streams an open file in fresh chunks (the consumer may keep them) and closes it when the stream ends, fails, is
 * abandoned with break/return, or `signal` aborts (even if iteration never started).
 */
export function readChunks(handle: FileHandle, chunkSize: number, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', close);
    handle.close().catch(() => undefined);
  };
  if (signal?.aborted) close();
  else signal?.addEventListener('abort', close, { once: true });
  return (async function* () {
    try {
      for (;;) {
        signal?.throwIfAborted();
        const buffer = Buffer.allocUnsafe(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      throw ioError(err, 'cannot read message');
    } finally {
      close();
    }
  })();
}

/** Opens and streams a message file; throws (ENOENT included) when it cannot be opened as a regular file. */
export async function* messageChunks(path: string, storedSize: number): AsyncIterable<Uint8Array> {
  const handle = await openMessageFile(path);
  if (handle === null) throw Object.assign(new Error(`${path} is gone or not a regular file`), { code: 'ENOENT' });
  yield* readChunks(handle, chunkSizeFor(storedSize));
}
