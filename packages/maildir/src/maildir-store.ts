import type { Identity, Maildrop, Store, StoreContext } from '@poplar/session';
import { exactSizeCalculator, type SizeCalculator, storageSizeCalculator } from '@poplar/size';
import { ListingCache } from './listing-cache.js';
import { MaildirError } from './maildir-error.js';
import { DEFAULT_READ } from './maildir-snapshot.js';
import { prepareMaildir, resolveMaildir } from './resolve-maildir.js';
import { takeSnapshot } from './take-snapshot.js';
import { Tidier } from './tidier.js';

export interface MaildirStoreOptions {
  /** Directory holding one folder per user: `<mailRoot>/<user>/Maildir`. */
  readonly mailRoot: string;
  /**
   * Maps an identity to an absolute Maildir path instead of `<mailRoot>/<user>/Maildir`; undefined means the
   * identity has no maildrop (MAILDIR_ERR_NO_MAILDROP).
   */
  readonly maildirFor?: (identity: Identity) => string | undefined;
  /** EnableExactRFC822Size: exact CRLF sizes (default) or storage sizes in STAT and LIST. */
  readonly exactSize?: boolean;
  /** Overrides the calculator `exactSize` picks; its `exact` flag decides which size is cached and shown. */
  readonly sizeCalculator?: SizeCalculator;
  /** How long to wait for the UID list lock. Default 10 s. */
  readonly lockTimeoutMs?: number;
  /** When a UID list lock left by a crashed process counts as stale. Default 120 s. */
  readonly staleLockMs?: number;
  /**
   * Keep the CRLF form of messages that other software stored with LF in `<Maildir>/poplar-crlf/`, built by their
   * first RETR, so that later reads only dot-stuff. Default true; false converts such messages on every read.
   */
  readonly crlfCache?: boolean;
  /**
   * Which read of a message keeps its CRLF form. Default 2: the first read converts on the fly and writes nothing,
   * so mail downloaded once (what POP3 clients mostly do) is never written a second time; a message read again
   * (TOP then RETR, a client that leaves mail on the server and fetches it anew) keeps it from then on. 1 keeps it
   * from the first read. Counted per process, for the 20 000 messages read most recently.
   */
  readonly crlfCacheAfterReads?: number;
  /**
   * Open and read messages with blocking system calls on the session's thread. Default true: for mail in the page
   * cache it is the fastest way (a thread-pool round trip costs more than copying a typical message), but one slow
   * read stalls every session of the process meanwhile. Set false for Maildirs on a network file system or on disks
   * much slower than the traffic, so reads wait in Node's thread pool instead.
   */
  readonly blockingReads?: boolean;
  /**
   * Watch the cur/ and new/ folders of each open Maildir (inotify, one watch per Maildir and process), so that a
   * read of a message's cached CRLF form skips checking that the message is still there while nothing changed.
   * Default true; only Maildirs on local file systems are watched (not NFS, SMB or FUSE, whose changes made on
   * other machines inotify does not see), the others are checked on every read.
   */
  readonly watchChanges?: boolean;
  /**
   * Messages, over all Maildirs, whose listings are kept to be shared by concurrent sessions and reused by later
   * opens while the Maildir is unchanged. Default 500 000 (about 100 bytes each, with a 50-character file name);
   * 0 turns the cache off, and every open then reads the folders and the UID list.
   */
  readonly listingCache?: number;
  /**
   * At most how often this store tidies a Maildir (cleanTmp: files in tmp/ untouched for 36 hours, temporary files a
   * crash left, cached CRLF forms of messages that are gone), in the background once a session that had it open
   * ends. Default 24 hours; 0 never.
   */
  readonly tidyEveryMs?: number;
  /**
   * Told when the background tidy of a Maildir fails (a folder it cannot read, a file it cannot remove), so that the
   * failure can be logged; the next tidy is tried an interval later. Default: the failure is ignored.
   */
  readonly onTidyError?: (maildir: string, error: Error) => void;
}

const LISTING_CACHE = 500_000;
const TIDY_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * A Store over Maildirs (MS-STANXPOP3 2.1.3): no exclusive lock, so one user may have several sessions; each
 * session sees the snapshot taken at login.
 */
export function createMaildirStore(options: MaildirStoreOptions): Store {
  const calculator =
    options.sizeCalculator ?? (options.exactSize === false ? storageSizeCalculator() : exactSizeCalculator());
  const lock = {
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
    ...(options.staleLockMs === undefined ? {} : { staleMs: options.staleLockMs }),
  };
  const read = {
    crlfCache: options.crlfCache ?? DEFAULT_READ.crlfCache,
    crlfCacheAfterReads: options.crlfCacheAfterReads ?? DEFAULT_READ.crlfCacheAfterReads,
    blockingReads: options.blockingReads ?? DEFAULT_READ.blockingReads,
    watchChanges: options.watchChanges ?? DEFAULT_READ.watchChanges,
  };
  const tidyEvery = options.tidyEveryMs ?? TIDY_EVERY_MS;
  const tidier = tidyEvery > 0 ? new Tidier(tidyEvery, options.onTidyError ?? (() => {})) : undefined;
  const maxListed = options.listingCache ?? LISTING_CACHE;
  const listings = maxListed > 0 ? new ListingCache(maxListed) : undefined;
  const locate = async (identity: Identity): Promise<string> => {
    if (options.maildirFor === undefined) return resolveMaildir(options.mailRoot, identity.user);
    const path = options.maildirFor(identity);
    if (path === undefined) {
      throw new MaildirError('MAILDIR_ERR_NO_MAILDROP', 'permanent', `no maildrop for ${identity.user}`);
    }
    return prepareMaildir(path);
  };
  return {
    async open(identity: Identity, ctx: StoreContext): Promise<Maildrop> {
      const maildir = await locate(identity);
      return takeSnapshot(maildir, {
        calculator,
        lock: { ...lock, signal: ctx.signal },
        read,
        ...(listings === undefined ? {} : { listings }),
        ...(tidier === undefined ? {} : { onRelease: () => tidier.tidy(maildir) }),
      });
    },
  };
}
