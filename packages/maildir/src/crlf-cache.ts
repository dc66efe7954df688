import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { type FileHandle, lstat, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageStream } from '@poplar/session';
import { CrlfNormalizer, DotStuffer } from '@poplar/wire';
import { ensureDirectory } from './ensure-maildir.js';
import { errnoOf } from './maildir-error.js';
import { mapLimit } from './map-limit.js';
import {
  closeQuietly,
  crlfFileStream,
  noChunks,
  type OpenFile,
  openMessageFile,
  openMessageFileNow,
  readChunks,
  stream,
} from './message-file.js';

/**
 * The folder inside a Maildir that holds the wire form of messages stored with LF by other software, one file per
 * message named by its unique name: the CRLF form with every line-start "." doubled, then the "." CRLF terminator,
 * i.e. exactly what RETR sends after its status line. Not a dot folder, which Maildir++ readers would take for a
 * mail folder.
 */
export const CRLF_CACHE_DIR = 'poplar-crlf';

/** The "." CRLF terminator that ends every cache file. */
const TERMINATOR_LENGTH = 3;

/** Files being written start with this; a crash may leave them behind for cleanTmp(). */
export const CACHE_TEMP_PREFIX = '.tmp-';

/** Cache files being built by this process: one build per message at a time is enough. */
const building = new Set<string>();

/** Reads counted of messages whose CRLF form is not kept yet, least recently read dropped first (a few MB). */
const READS_REMEMBERED = 20_000;
const reads = new Map<string, number>();

/**
 * Counts a read of the message whose cache file is `target`; true when this read should keep its CRLF form, i.e.
 * it is at least the `after`-th read this process has seen. Mail downloaded once is then never written again.
 */
export function keepOnThisRead(target: string, after: number): boolean {
  if (after <= 1) return true;
  const count = (reads.get(target) ?? 0) + 1;
  reads.delete(target);
  if (count >= after) return true;
  reads.set(target, count);
  if (reads.size > READS_REMEMBERED) reads.delete(reads.keys().next().value as string);
  return false;
}

export function cachePath(maildir: string, unique: string): string {
  return join(maildir, CRLF_CACHE_DIR, unique);
}

export type CacheFolderState = 'ready' | 'absent' | 'refused';

/**
 * Whether the cache folder can be used: 'ready', 'absent' (the first build creates it) or 'refused' when it is a
 * symlink or not a directory (a file opened through it could be outside the Maildir).
 */
export async function cacheFolderState(maildir: string): Promise<CacheFolderState> {
  try {
    const stats = await lstat(join(maildir, CRLF_CACHE_DIR));
    return stats.isDirectory() ? 'ready' : 'refused';
  } catch (err) {
    return errnoOf(err) === 'ENOENT' ? 'absent' : 'refused';
  }
}

/**
 * Opens the cached wire form of a message (its cachePath) when it is there: a regular file of at least `size`
 * octets plus the terminator, `size` being the message's exact size (doubled dots add to it). A shorter file (a
 * CRLF form kept by an earlier version, without dots doubled) is removed so that it gets rebuilt. Cache files are
 * only ever renamed into place whole. Never throws: without a usable cache the message is read from its own file.
 */
export async function openCache(path: string, size: number): Promise<OpenFile | null> {
  try {
    return ofSize(await openMessageFile(path), path, size);
  } catch {
    // Unreadable: fall back to the message itself.
    return null;
  }
}

/** openCache with blocking calls (openMessageFileNow), answered at once. */
export function openCacheNow(path: string, size: number): OpenFile | null {
  try {
    return ofSize(openMessageFileNow(path), path, size);
  } catch {
    return null;
  }
}

/**
 * An open cache file as the session's stream: the file itself when the session can send it (`asFile`), which the
 * session closes; otherwise its bytes without the terminator, as `form: 'stuffed'`, and the session adds it.
 */
export function cachedWireStream(file: OpenFile, signal: AbortSignal, asFile: boolean): MessageStream {
  const length = file.size - TERMINATOR_LENGTH;
  if (!asFile) return crlfFileStream({ ...file, size: length }, signal, 'stuffed');
  const wire = { fd: file.fd, length: file.size, close: () => closeQuietly(file.fd) };
  return stream(noChunks(), undefined, length, undefined, 'stuffed', wire);
}

/** `file` when it can be the wire form of a message of `size` octets; otherwise it is closed and removed. */
function ofSize(file: OpenFile | null, path: string, size: number): OpenFile | null {
  if (file === null || file.size >= size + TERMINATOR_LENGTH) return file;
  closeQuietly(file.fd);
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove: it is never used anyway.
  }
  return null;
}

/** Removes the cache files of these messages; missing ones are fine. Never throws: the cache is only an aid. */
export async function removeCaches(maildir: string, uniques: readonly string[]): Promise<void> {
  await mapLimit(uniques, 16, (unique) => unlink(cachePath(maildir, unique)).catch(() => undefined));
}

/**
 * Streams an open message file in CRLF form (bare LF -> CRLF, a final CRLF when missing) and, when this read is
 * to `keep` it (see keepOnThisRead) and no other build is under way, writes its wire form to a temporary file in
 * the cache folder as it goes. Only when the whole message was read and it came to exactly `size` octets is the file
 * synced and renamed into place; otherwise it is removed.
 * Writing never holds up the reader for more than one chunk, and a failing write only abandons the cache.
 * `finished` receives the promise of that last step, which never rejects.
 */
export function normalizedStream(
  maildir: string,
  unique: string,
  size: number,
  file: OpenFile,
  signal: AbortSignal,
  keep: boolean,
  finished: (done: Promise<void>) => void,
): AsyncGenerator<Uint8Array> {
  const target = cachePath(maildir, unique);
  const chunks = readChunks(file, signal);
  return (async function* () {
    // Claimed only once reading starts, so a stream that is never read blocks no later build.
    const build = keep && !building.has(target);
    if (build) building.add(target);
    const normalizer = new CrlfNormalizer();
    const stuffer = new DotStuffer();
    const writer = build ? await CacheWriter.create(maildir).catch(() => null) : null;
    let whole = false;
    try {
      for await (const chunk of chunks) {
        const out = normalizer.push(chunk);
        if (writer !== null) await writer.write(stuffer.push(out));
        yield out;
      }
      const last = normalizer.end();
      if (writer !== null) await writer.write([...stuffer.push(last), stuffer.end()]);
      if (last.length > 0) yield last;
      whole = normalizer.length === size;
    } finally {
      const done = writer === null ? Promise.resolve() : whole ? writer.commit(maildir, target) : writer.abort();
      if (build) finished(done.finally(() => building.delete(target)));
    }
  })();
}

/** A cache file being written: a temporary file in the cache folder, one write in flight at a time. */
class CacheWriter {
  readonly #handle: FileHandle;
  readonly #path: string;
  #inFlight: Promise<void> = Promise.resolve();
  #failed = false;

  private constructor(handle: FileHandle, path: string) {
    this.#handle = handle;
    this.#path = path;
  }

  static async create(maildir: string): Promise<CacheWriter> {
    const dir = join(maildir, CRLF_CACHE_DIR);
    await ensureDirectory(dir);
    const path = join(dir, `${CACHE_TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    return new CacheWriter(await open(path, flags, 0o600), path);
  }

  /** Waits for the previous write, then starts writing `pieces` (which must stay unchanged until written). */
  async write(pieces: readonly Buffer[]): Promise<void> {
    await this.#inFlight;
    if (this.#failed || pieces.length === 0) return;
    this.#inFlight = writeAll(this.#handle, pieces).catch(() => {
      this.#failed = true;
    });
  }

  /** Syncs and renames the file into place, so a crash leaves either the whole form or nothing under its name. */
  async commit(maildir: string, target: string): Promise<void> {
    await this.#inFlight;
    if (this.#failed) return this.abort();
    try {
      await this.#handle.sync();
      await this.#handle.close();
      // As for delivery: the folder is checked again just before the rename that goes through it.
      if ((await cacheFolderState(maildir)) !== 'ready') return this.abort();
      await rename(this.#path, target);
    } catch {
      await this.abort();
    }
  }

  async abort(): Promise<void> {
    await this.#inFlight;
    await this.#handle.close().catch(() => undefined);
    await unlink(this.#path).catch(() => undefined);
  }
}

async function writeAll(handle: FileHandle, pieces: readonly Buffer[]): Promise<void> {
  const left = [...pieces];
  while (left.length > 0) {
    let { bytesWritten } = await handle.writev(left);
    // A short write: carry on from where it stopped.
    while (left.length > 0 && bytesWritten >= left[0]!.length) bytesWritten -= left.shift()!.length;
    if (left.length > 0 && bytesWritten > 0) left[0] = left[0]!.subarray(bytesWritten);
  }
}
