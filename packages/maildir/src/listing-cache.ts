import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FOLDERS } from './maildir-scan.js';
import type { Listing } from './maildir-snapshot.js';
import { UID_LIST_FILE } from './uid-list.js';

/**
 * A folder changed this recently may change again within the same timestamp tick (coarse on some file systems)
 * without its mtime moving, so a listing made from it is not kept.
 */
const SETTLE_NS = 2_000_000_000n;

/**
 * Listings of unchanged Maildirs, shared by every session that opens one: a listing is immutable, so a thousand
 * sessions of one maildrop hold one copy, and an open of an unchanged Maildir reads neither folder nor the UID list.
 * A listing is reused while new/, cur/ and the UID list keep their device, inode and mtime (and the list its size):
 * any delivery, removal, move or re-flagging changes a folder's mtime, and the list is only ever appended to or
 * replaced. Bounded by the number of messages held, least recently used first out.
 */
export class ListingCache {
  readonly #maxMessages: number;
  readonly #entries = new Map<string, { readonly stamp: string; readonly listing: Listing }>();
  #messages = 0;

  constructor(maxMessages: number) {
    this.#maxMessages = maxMessages;
  }

  /**
   * The state of the Maildir's folders and list, to be taken before they are read; undefined when one is missing
   * or changed too recently to be trusted.
   */
  async stamp(maildir: string): Promise<string | undefined> {
    const paths = [...FOLDERS.map((folder) => join(maildir, folder)), join(maildir, UID_LIST_FILE)];
    const now = BigInt(Date.now()) * 1_000_000n;
    try {
      const stats = await Promise.all(paths.map((path) => stat(path, { bigint: true })));
      if (stats.some((s) => s.mtimeNs > now - SETTLE_NS)) return undefined;
      return stats.map((s) => `${s.dev}:${s.ino}:${s.mtimeNs}:${s.isFile() ? s.size : ''}`).join(' ');
    } catch {
      // Whatever went wrong, the full open that follows meets it again and reports it.
      return undefined;
    }
  }

  /** The listing kept for this Maildir in this state. */
  get(maildir: string, stamp: string): Listing | undefined {
    const entry = this.#entries.get(maildir);
    if (entry === undefined) return undefined;
    this.#entries.delete(maildir);
    if (entry.stamp !== stamp) {
      this.#messages -= entry.listing.uids.length;
      return undefined;
    }
    this.#entries.set(maildir, entry);
    return entry.listing;
  }

  /** Keeps a listing made from the Maildir in the state `stamp` (taken before it was read). */
  set(maildir: string, stamp: string, listing: Listing): void {
    const count = listing.uids.length;
    if (count > this.#maxMessages) return;
    const old = this.#entries.get(maildir);
    if (old !== undefined) {
      this.#entries.delete(maildir);
      this.#messages -= old.listing.uids.length;
    }
    for (const [key, entry] of this.#entries) {
      if (this.#messages + count <= this.#maxMessages) break;
      this.#entries.delete(key);
      this.#messages -= entry.listing.uids.length;
    }
    this.#entries.set(maildir, { stamp, listing });
    this.#messages += count;
  }
}
