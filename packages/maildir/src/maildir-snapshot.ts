import { lstatSync, type Stats } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Maildrop, MessageStream, ReadOptions } from '@poplar/session';
import {
  type CacheFolderState,
  cachedWireStream,
  cacheFolderState,
  cachePath,
  keepOnThisRead,
  normalizedStream,
  openCache,
  openCacheNow,
  removeCaches,
} from './crlf-cache.js';
import { dotFreeMessages, LineStartDots } from './dot-free-messages.js';
import { errnoOf, ioError } from './maildir-error.js';
import { FOLDERS, locateMessages, uniqueOf } from './maildir-scan.js';
import type { MaildirWatch } from './maildir-watch.js';
import { mapLimit } from './map-limit.js';
import {
  closeQuietly,
  convertedFileStream,
  crlfFileStream,
  noChunks,
  type OpenFile,
  openMessageFile,
  readChunks,
  stream,
} from './message-file.js';
import { syncDirectory } from './sync-directory.js';

/** A maildrop listing in UID order: numbers in typed arrays, file names joined in one string. */
export interface Listing {
  readonly uids: Float64Array;
  readonly sizes: Float64Array;
  readonly storedSizes: Float64Array;
  /** Exact RFC 822 sizes, NaN where unknown (storage sizes shown and no W=). */
  readonly exactSizes: Float64Array;
  /** 0 for new/, 1 for cur/. */
  readonly folders: Uint8Array;
  /** File names, concatenated; name i is names.slice(offsets[i], offsets[i + 1]). */
  readonly names: string;
  readonly offsets: Uint32Array;
}

export interface SnapshotReadOptions {
  /** Keep the CRLF form of messages stored with LF in the Maildir's cache folder, and read it from there. */
  readonly crlfCache: boolean;
  /** The read of a message from which its CRLF form is kept: 1 = the first, 2 = the second... */
  readonly crlfCacheAfterReads: number;
  /** Open, stat and read messages with blocking calls instead of the thread pool (see openMessageFile). */
  readonly blockingReads: boolean;
  /** Watch the Maildir while the snapshot is open (MaildirWatch), so that cached reads need not check each message. */
  readonly watchChanges: boolean;
}

/** What a snapshot is given besides its listing. */
export interface SnapshotHooks {
  /** Set when the Maildir is watched: while it shows no change, every message is where the listing has it. */
  readonly watch?: MaildirWatch | undefined;
  /** Called once the snapshot is released (and its cache files are finished). */
  readonly onRelease?: (() => void) | undefined;
}

/** How snapshots read unless told otherwise: what MaildirStoreOptions documents as the defaults. */
export const DEFAULT_READ: SnapshotReadOptions = {
  crlfCache: true,
  crlfCacheAfterReads: 2,
  blockingReads: true,
  watchChanges: true,
};

/**
 * A Maildir maildrop fixed at login. Numbers live in typed arrays and file names in one joined string, so a listing
 * costs a few bytes per message beyond its name. Mail delivered later is not in it; a message moved or re-flagged
 * by another program is found again by its unique name; a message removed by someone else reads as null.
 *
 * Messages go to the session in CRLF form whenever their exact size is known: a file whose size is its exact size
 * (Poplar's own deliveries, mail stored with CRLF) is read as it is; a file stored with LF is converted as it is
 * read, or its cached wire form is used, which a read builds from the `crlfCacheAfterReads`-th on. A session that
 * can send files (ReadOptions.file) is given that file to send.
 */
export class MaildirSnapshot implements Maildrop {
  readonly count: number;
  readonly #maildir: string;
  /** The Maildir path ending in "/": message paths are built by concatenation, once per read. */
  readonly #base: string;
  /** The cache folder's path ending in "/". */
  readonly #cacheBase: string;
  readonly #listing: Listing;
  readonly #read: SnapshotReadOptions;
  /** Where messages went after another program moved them (rare, so made on first need: most sessions idle). */
  #moved: Map<number, string> | undefined;
  /** Cache files still being finished; release() waits for them. */
  #finishing: Set<Promise<void>> | undefined;
  /** The cache folder's state, looked up once and again after each build. */
  #cacheState: CacheFolderState | undefined;
  /** The lookup under way or done, if any. */
  #cacheLookup: Promise<CacheFolderState> | undefined;
  #released = false;
  /** See SnapshotHooks. */
  readonly #watch: MaildirWatch | undefined;
  readonly #onRelease: (() => void) | undefined;

  constructor(
    maildir: string,
    listing: Listing,
    options: SnapshotReadOptions = DEFAULT_READ,
    hooks: SnapshotHooks = {},
  ) {
    this.#maildir = maildir;
    this.#watch = hooks.watch;
    this.#onRelease = hooks.onRelease;
    this.#base = join(maildir, '/');
    this.#cacheBase = cachePath(maildir, '/');
    this.#listing = listing;
    this.#read = options;
    this.count = listing.uids.length;
  }

  uid(index: number): string {
    this.#check(index);
    return String(this.#listing.uids[index]);
  }

  size(index: number): number {
    this.#check(index);
    return this.#listing.sizes[index]!;
  }

  async read(index: number, signal: AbortSignal, options?: ReadOptions): Promise<MessageStream | null> {
    this.#check(index);
    this.#live();
    const exact = this.#listing.exactSizes[index]!;
    const unique = this.#unique(index);
    const cacheable = this.#read.crlfCache && !Number.isNaN(exact);
    // Listed with a stored size other than its exact size: stored with LF, so its CRLF form may be cached.
    if (
      cacheable &&
      this.#listing.storedSizes[index] !== exact &&
      (this.#cacheState ?? (await this.#cacheFolder())) === 'ready'
    ) {
      // The cache answers only for a message that is still there: certainly so while the watch shows no change,
      // so that the common case (nothing changed, its form cached, blocking reads) waits for nothing.
      if (!(this.#watch?.unchanged === true || (await this.#present(index)))) return null;
      const path = this.#cacheBase + unique;
      const cached = this.#read.blockingReads ? openCacheNow(path, exact) : await openCache(path, exact);
      if (cached !== null) return cachedWireStream(cached, signal, options?.file === true);
    }
    const file = await this.#open(index);
    if (file === null) return null;
    if (file.size === exact) return this.#crlfStored(file, unique, signal, options?.file === true);
    // Without its exact size the CRLF form cannot be checked: the session converts the stored bytes as it sends.
    if (Number.isNaN(exact)) return readChunks(file, signal);
    const keep =
      cacheable &&
      (this.#cacheState ?? (await this.#cacheFolder())) !== 'refused' &&
      keepOnThisRead(this.#cacheBase + unique, this.#read.crlfCacheAfterReads);
    if (!keep) {
      const converted = convertedFileStream(file, exact, signal);
      if (converted !== undefined) return converted;
    }
    const chunks = normalizedStream(this.#maildir, unique, exact, file, signal, keep, (done) => {
      this.#finishing ??= new Set();
      const finishing = this.#finishing;
      finishing.add(done);
      void done.then(() => {
        finishing.delete(done);
        this.#cacheState = undefined;
        this.#cacheLookup = undefined;
      });
    });
    return stream(chunks, undefined, undefined);
  }

  /**
   * Unlinks exactly the given messages (a message moved meanwhile is looked up by its unique name). A message
   * already gone is fine, so a repeated commit does nothing. Nothing else is ever touched, whatever fails or
   * whenever the process dies (V0006). Throws a MaildirError after trying every message if some could not be removed.
   * Their cached CRLF forms go too, after them (a crash in between leaves a cache file for cleanTmp()).
   */
  async commit(deleted: readonly number[]): Promise<void> {
    this.#live();
    const indexes = [...new Set(deleted)];
    for (const index of indexes) this.#check(index);
    if (indexes.length === 0) return;
    // A cache file this session is still finishing must not land after its message is gone.
    await Promise.all(this.#finishing ?? []);
    let failure: unknown;
    let current: Promise<Map<string, string>> | undefined;
    await mapLimit(indexes, 16, async (index) => {
      const path = this.#path(index);
      try {
        if (await removed(join(this.#maildir, path))) return;
        // Gone from where we saw it: it may have been moved or re-flagged. One lookup serves all such messages.
        current ??= locateMessages(this.#maildir);
        const moved = (await current).get(this.#unique(index));
        if (moved !== undefined && moved !== path) await removed(join(this.#maildir, moved));
      } catch (err) {
        failure ??= err;
      }
    });
    for (const folder of FOLDERS) {
      await syncDirectory(join(this.#maildir, folder)).catch((err: unknown) => {
        failure ??= err;
      });
    }
    const { storedSizes, exactSizes } = this.#listing;
    const withLf = indexes.filter((index) => storedSizes[index] !== exactSizes[index]);
    await removeCaches(
      this.#maildir,
      withLf.map((index) => this.#unique(index)),
    );
    if (failure !== undefined) throw ioError(failure, 'some deleted messages could not be removed');
  }

  /** Ends the session's use; waits for cache files still being finished, so none is cut off at exit. */
  async release(): Promise<void> {
    const first = !this.#released;
    this.#released = true;
    if (first) this.#watch?.release();
    await Promise.all(this.#finishing ?? []);
    if (first) this.#onRelease?.();
  }

  #check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`message index ${index} out of range 0..${this.count - 1}`);
    }
  }

  #live(): void {
    if (this.#released) throw new Error('maildrop already released');
  }

  #name(index: number): string {
    const { names, offsets } = this.#listing;
    return names.slice(offsets[index], offsets[index + 1]);
  }

  #unique(index: number): string {
    return uniqueOf(this.#name(index));
  }

  #path(index: number): string {
    return this.#moved?.get(index) ?? `${FOLDERS[this.#listing.folders[index] as 0 | 1]}/${this.#name(index)}`;
  }

  /**
   * A message stored in CRLF form. Its wire form is the file itself and the terminator when it has no line-start
   * dot: a session that can send files is given the file once this process has seen that (dotFreeMessages), and
   * its reads until then look.
   */
  #crlfStored(file: OpenFile, unique: string, signal: AbortSignal, sendable: boolean): MessageStream {
    if (!sendable) return crlfFileStream(file, signal);
    const key = this.#base + unique;
    if (dotFreeMessages.has(key)) {
      const wire = { fd: file.fd, length: file.size, tail: TERMINATOR, close: () => closeQuietly(file.fd) };
      return stream(noChunks(), undefined, file.size, undefined, 'crlf', wire);
    }
    const read = crlfFileStream(file, signal);
    if (read.whole !== undefined) {
      const dots = new LineStartDots();
      dots.push(read.whole);
      if (!dots.found) dotFreeMessages.remember(key);
      return read;
    }
    return stream(learnDots(read, key), read.recycle, read.length);
  }

  /** Looks up the cache folder's state, which #cacheState then holds (until the next build), so reads need not wait. */
  #cacheFolder(): Promise<CacheFolderState> {
    if (this.#cacheLookup !== undefined) return this.#cacheLookup;
    const lookup = cacheFolderState(this.#maildir).then((state) => {
      // A build may have finished meanwhile: its own lookup counts then.
      if (this.#cacheLookup === lookup) this.#cacheState = state;
      return state;
    });
    this.#cacheLookup = lookup;
    return lookup;
  }

  /** Opens the message where it is now (another program may have moved it); null when it is gone. */
  async #open(index: number): Promise<OpenFile | null> {
    const path = this.#path(index);
    const blocking = this.#read.blockingReads;
    const file = await openMessageFile(this.#base + path, blocking);
    if (file !== null) return file;
    const found = await this.#relocate(index, path);
    return found === undefined ? null : openMessageFile(this.#base + found, blocking);
  }

  /** Whether the message is still there as a regular file, moved or not. */
  async #present(index: number): Promise<boolean> {
    const path = this.#path(index);
    const stats = await this.#lstat(path).catch((err: unknown) => {
      throw ioError(err, `cannot stat ${path}`);
    });
    if (stats !== undefined) return stats.isFile();
    const found = await this.#relocate(index, path);
    return found !== undefined && (await this.#lstat(found).catch(() => undefined))?.isFile() === true;
  }

  /** lstat() of a path in the Maildir; undefined when there is nothing there. */
  async #lstat(path: string): Promise<Stats | undefined> {
    const full = this.#base + path;
    if (this.#read.blockingReads) return lstatSync(full, { throwIfNoEntry: false });
    return lstat(full).catch((err: unknown) => {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw err;
    });
  }

  /** Looks for a message no longer at `path` by its unique name; remembers and returns where it went. */
  async #relocate(index: number, path: string): Promise<string | undefined> {
    const found = (await locateMessages(this.#maildir)).get(this.#unique(index));
    if (found === undefined || found === path) return undefined;
    this.#moved ??= new Map();
    this.#moved.set(index, found);
    return found;
  }
}

const TERMINATOR = Buffer.from('.\r\n');

/** The chunks of `read`, remembering the message as dot-free when all of it went by without a line-start dot. */
async function* learnDots(read: MessageStream, key: string): AsyncGenerator<Uint8Array> {
  const dots = new LineStartDots();
  for await (const chunk of read) {
    dots.push(chunk);
    yield chunk;
  }
  if (!dots.found) dotFreeMessages.remember(key);
}

/** unlink(); false when the file was already gone. */
async function removed(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw err;
  }
}
