import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Maildrop } from '@poplar/session';
import { errnoOf, ioError } from './maildir-error.js';
import { FOLDERS, locateMessages, uniqueOf } from './maildir-scan.js';
import { mapLimit } from './map-limit.js';
import { chunkSizeFor, openMessageFile, readChunks } from './message-file.js';
import { syncDirectory } from './sync-directory.js';

/** A maildrop listing in UID order: numbers in typed arrays, file names joined in one string. */
export interface Listing {
  readonly uids: Float64Array;
  readonly sizes: Float64Array;
  readonly storedSizes: Float64Array;
  /** 0 for new/, 1 for cur/. */
  readonly folders: Uint8Array;
  /** File names, concatenated; name i is names.slice(offsets[i], offsets[i + 1]). */
  readonly names: string;
  readonly offsets: Uint32Array;
}

/**
 * A Maildir maildrop fixed at login. Numbers live in typed arrays and file names in one joined string, so a listing
 * costs a few bytes per message beyond its name. Mail delivered later is not in it; a message moved or re-flagged
 * by another program is found again by its unique name; a message removed by someone else reads as null.
 */
export class MaildirSnapshot implements Maildrop {
  readonly count: number;
  readonly #maildir: string;
  readonly #listing: Listing;
  /** Where messages went after another program moved them (rare). */
  readonly #moved = new Map<number, string>();
  #released = false;

  constructor(maildir: string, listing: Listing) {
    this.#maildir = maildir;
    this.#listing = listing;
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

  async read(index: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array> | null> {
    this.#check(index);
    this.#live();
    let path = this.#path(index);
    let handle = await openMessageFile(join(this.#maildir, path));
    if (handle === null) {
      const found = (await locateMessages(this.#maildir)).get(this.#unique(index));
      if (found === undefined || found === path) return null;
      this.#moved.set(index, found);
      path = found;
      handle = await openMessageFile(join(this.#maildir, path));
      if (handle === null) return null;
    }
    return readChunks(handle, chunkSizeFor(this.#listing.storedSizes[index]!), signal);
  }

  /**
   * Unlinks exactly the given messages (a message moved meanwhile is looked up by its unique name). A message
   * already gone is fine, so a repeated commit does nothing. Nothing else is ever touched, whatever fails or
   * whenever the process dies (V0006). Throws a MaildirError after trying every message if some could not be removed.
   */
  async commit(deleted: readonly number[]): Promise<void> {
    this.#live();
    const indexes = [...new Set(deleted)];
    for (const index of indexes) this.#check(index);
    if (indexes.length === 0) return;
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
    if (failure !== undefined) throw ioError(failure, 'some deleted messages could not be removed');
  }

  async release(): Promise<void> {
    this.#released = true;
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
    return this.#moved.get(index) ?? join(FOLDERS[this.#listing.folders[index] as 0 | 1], this.#name(index));
  }
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
