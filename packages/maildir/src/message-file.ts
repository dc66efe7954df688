import { closeSync, constants, fstatSync, open, openSync, read, readSync } from 'node:fs';
import type { MessageStream, WireFile } from '@poplar/session';
import { CrlfNormalizer, crlfFormInto } from '@poplar/wire';
import { errnoOf, ioError } from './maildir-error.js';

/** Most bytes read at once: large reads mean few system calls and large socket writes. */
const CHUNK = 256 * 1024;

// O_NOFOLLOW: a symlink swapped in for a message is not followed. O_NONBLOCK: a FIFO swapped in does not hang the
// open (it has no effect on regular files).
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** An open regular file (a plain descriptor: every RETR opens one) and its size when it was opened. */
export interface OpenFile {
  readonly fd: number;
  readonly size: number;
  /** Opened and read with blocking calls on the calling thread instead of the thread pool (see openMessageFile). */
  readonly blocking: boolean;
}

/**
 * Opens a file for reading without following a symlink. null when it is gone, is a symlink or is not a regular
 * file; other failures throw a MaildirError. fstat() of a file just opened answers from memory, so it is made at
 * once.
 *
 * `blocking` opens and later reads it with blocking calls on the calling thread (openMessageFileNow). For mail in
 * the page cache that is several times cheaper than a round trip through the thread pool, which costs more than
 * the copy itself; the price is that a read from a slow disk or a network file system stalls every session of the
 * process meanwhile.
 */
export async function openMessageFile(path: string, blocking = false): Promise<OpenFile | null> {
  if (blocking) return openMessageFileNow(path);
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => {
      open(path, READ_FLAGS, (err, opened) => (err ? reject(err) : resolve(opened)));
    });
  } catch (err) {
    return openFailed(err, path);
  }
  return regularFile(fd, path, false);
}

/** openMessageFile with blocking calls, answered at once: a file to be read with blocking calls. */
export function openMessageFileNow(path: string): OpenFile | null {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (err) {
    return openFailed(err, path);
  }
  return regularFile(fd, path, true);
}

function openFailed(err: unknown, path: string): null {
  const errno = errnoOf(err);
  if (errno === 'ENOENT' || errno === 'ELOOP') return null;
  throw ioError(err, `cannot open ${path}`);
}

/** The file just opened as `fd` when it is a regular file; closed and null otherwise. */
function regularFile(fd: number, path: string, blocking: boolean): OpenFile | null {
  try {
    const stats = fstatSync(fd);
    if (stats.isFile()) return { fd, size: stats.size, blocking };
  } catch (err) {
    closeQuietly(fd);
    throw ioError(err, `cannot stat ${path}`);
  }
  closeQuietly(fd);
  return null;
}

/** close() of a descriptor opened for reading flushes nothing, so it is made at once. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it: nothing can be lost.
  }
}

function readInto(file: OpenFile, buffer: Buffer, length: number): number | Promise<number> {
  if (file.blocking) return readSync(file.fd, buffer, 0, length, null);
  return new Promise((resolve, reject) => {
    read(file.fd, buffer, 0, length, null, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/**
 * Streams the first `size` bytes of an open file (fewer if it is shorter) in chunks of up to 256 KiB. They are
 * fresh and never reused, so the consumer may keep them or hand them to a socket as they are; `pooled` chunks come
 * from the pool instead, for a consumer that gives each back (recycleChunk) once done with it. Closes the file once
 * the last byte is read, or when the stream fails, is abandoned with break/return, or `signal` aborts (even if
 * iteration never started). A descriptor is never closed under a read in flight, so its number cannot be reused
 * by another open while that read runs. A file opened for blocking reads that fits in one chunk is read and closed
 * at once.
 */
export function readChunks(file: OpenFile, signal?: AbortSignal, pooled = false): AsyncGenerator<Uint8Array> {
  if (readsWhole(file)) return wholeFile(file, signal, pooled).chunks;
  let closed = false;
  let reading = false;
  const close = () => {
    if (closed) return;
    closed = true;
    signal?.removeEventListener('abort', onAbort);
    closeQuietly(file.fd);
  };
  // During a read, the loop closes the file when the read returns and it sees the abort.
  const onAbort = () => {
    if (!reading) close();
  };
  if (signal?.aborted) close();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return (async function* () {
    try {
      for (let left = file.size; left > 0; ) {
        signal?.throwIfAborted();
        const length = Math.min(left, CHUNK);
        const buffer = pooled ? takeBuffer(length) : Buffer.allocUnsafe(length);
        reading = true;
        let bytesRead: number;
        try {
          const pending = readInto(file, buffer, length);
          bytesRead = typeof pending === 'number' ? pending : await pending;
        } finally {
          reading = false;
        }
        if (bytesRead === 0) return;
        left -= bytesRead;
        if (left === 0) close();
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

/**
 * A message file already in CRLF form (or `stuffed` already) as the session's stream, read into pooled buffers that
 * the session gives back once each has been written (MessageStream.recycle): reading mail then allocates almost
 * nothing, which spares the garbage collector most of its work. A small file read with blocking calls is read
 * whole at once.
 */
export function crlfFileStream(file: OpenFile, signal: AbortSignal, form: 'crlf' | 'stuffed' = 'crlf'): MessageStream {
  if (!readsWhole(file)) return stream(readChunks(file, signal, true), recycleChunk, file.size, undefined, form);
  const read = wholeFile(file, signal, true);
  return stream(read.chunks, recycleChunk, file.size, read.data, form);
}

/** The stream of a message sent from its file (MessageStream.file): nothing to iterate. */
export async function* noChunks(): AsyncGenerator<Uint8Array> {}

/** Whether a file is small enough, and opened for blocking reads, to be read whole at once. */
function readsWhole(file: OpenFile): boolean {
  return file.blocking && file.size <= CHUNK;
}

/**
 * The whole of a small file, read now with blocking calls; the descriptor is closed before this returns. `pooled`
 * reads into a buffer from the pool (`data` is a view of it).
 */
function wholeFile(
  file: OpenFile,
  signal: AbortSignal | undefined,
  pooled: boolean,
): { chunks: AsyncGenerator<Uint8Array>; data: Buffer | undefined } {
  let buffer: Buffer | undefined;
  let data: Buffer | undefined;
  let failure: unknown;
  try {
    if (!signal?.aborted) {
      buffer = pooled ? takeBuffer(file.size) : Buffer.allocUnsafe(file.size);
      data = readAll(file, buffer);
    }
  } catch (err) {
    failure = ioError(err, 'cannot read message');
  } finally {
    closeQuietly(file.fd);
  }
  return { chunks: oneChunk(data, signal, failure), data };
}

/**
 * The stream of something read at once: `data` (nothing when it is empty), or `failure` when there is none; the
 * abort instead when `signal` aborted before it is read.
 */
async function* oneChunk(
  data: Buffer | undefined,
  signal: AbortSignal | undefined,
  failure?: unknown,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (data === undefined) throw failure;
  if (data.length > 0) yield data;
}

/**
 * A small message stored with LF as the session's stream in CRLF form, without building its cache: read now with
 * blocking calls into a pooled buffer and converted in one pass into another, which the session gives back once it
 * has been written (the read one goes back at once). `expected` is its listed CRLF size. undefined, with nothing
 * read, unless the file was opened for blocking reads and both forms fit a pooled buffer: stream it instead.
 */
export function convertedFileStream(file: OpenFile, expected: number, signal: AbortSignal): MessageStream | undefined {
  if (!readsWhole(file) || expected > CHUNK) return undefined;
  const read = wholeFile(file, signal, true);
  if (read.data === undefined) return stream(read.chunks, undefined, undefined);
  const output = takeBuffer(expected);
  const length = crlfFormInto(read.data, output);
  // Longer than listed (the file changed since): converted into memory of its own.
  const converted = length >= 0 ? output.subarray(0, length) : normalize(read.data);
  // The read memory goes back only once nothing is read from it any more.
  recycleChunk(read.data);
  if (length >= 0) return stream(oneChunk(converted, signal), recycleChunk, length, converted);
  giveBack(output);
  return stream(oneChunk(converted, signal), undefined, converted.length, converted);
}

function normalize(data: Buffer): Buffer {
  const normalizer = new CrlfNormalizer();
  return Buffer.concat([normalizer.push(data), normalizer.end()]);
}

/**
 * A stream in CRLF form (or `stuffed` already), with all of its bytes when they are `whole` in memory already, or
 * as a `file` to send; every one is made here with the same shape, so the session's accesses stay monomorphic.
 */
export function stream(
  chunks: AsyncIterator<Uint8Array>,
  recycle: ((chunk: Uint8Array) => void) | undefined,
  length: number | undefined,
  whole?: Uint8Array,
  form: 'crlf' | 'stuffed' = 'crlf',
  file?: WireFile,
): MessageStream {
  return { form, length, whole, [Symbol.asyncIterator]: () => chunks, recycle, file };
}

/** Reads up to file.size bytes into `buffer` with blocking calls; fewer when the file has shrunk since it opened. */
function readAll(file: OpenFile, buffer: Buffer): Buffer {
  let filled = 0;
  while (filled < file.size) {
    const bytesRead = readSync(file.fd, buffer, filled, file.size - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** Pooled read buffers by size class: 16 KiB, 32 KiB ... 256 KiB, a few of each (under 4 MiB in all). */
const SMALLEST_CLASS_BITS = 14;
const POOLED_PER_CLASS = 8;
const pools: Buffer[][] = Array.from({ length: Math.log2(CHUNK) - SMALLEST_CLASS_BITS + 1 }, () => []);

function classOf(size: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(size, 1))) - SMALLEST_CLASS_BITS);
}

function takeBuffer(size: number): Buffer {
  const sizeClass = classOf(size);
  return pools[sizeClass]!.pop() ?? Buffer.allocUnsafeSlow(2 ** (sizeClass + SMALLEST_CLASS_BITS));
}

function giveBack(buffer: Buffer): void {
  const pool = pools[classOf(buffer.length)]!;
  if (pool.length < POOLED_PER_CLASS) pool.push(buffer);
}

/**
 * Gives back the pooled buffer a chunk is a view of (every pooled buffer owns its whole ArrayBuffer). Only for
 * chunks of pooled buffers: anything else would put foreign memory in the pool.
 */
function recycleChunk(chunk: Uint8Array): void {
  giveBack(Buffer.from(chunk.buffer as ArrayBuffer));
}

/** Opens and streams a message file; throws (ENOENT included) when it cannot be opened as a regular file. */
export async function* messageChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await openMessageFile(path);
  if (file === null) throw Object.assign(new Error(`${path} is gone or not a regular file`), { code: 'ENOENT' });
  yield* readChunks(file);
}
