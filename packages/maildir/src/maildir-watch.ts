import { type FSWatcher, statfsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { FOLDERS } from './maildir-scan.js';

/**
 * File systems (statfs f_type) whose inotify events report every change, whoever makes it: ext2/3/4, XFS, Btrfs,
 * tmpfs, ZFS, F2FS. Not NFS, SMB or FUSE, where changes made elsewhere go unseen.
 */
export const WATCHABLE_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010,
]);

/** One inotify watch on a Maildir's cur/ and new/, shared by every session of this process that has it open. */
interface Watched {
  readonly watchers: FSWatcher[];
  /** Events seen so far; NaN once a watcher failed, so that nothing counts as unchanged any more. */
  changes: number;
  users: number;
}

const watched = new Map<string, Watched>();

/**
 * Whether anything in a Maildir's cur/ and new/ changed (a message delivered, removed, renamed or touched) since
 * the watch was started. A snapshot that sees no change knows that its messages are where it listed them, without
 * asking the file system for each. A change is seen once the event loop has taken the kernel's event, so within a
 * turn of the loop.
 */
export class MaildirWatch {
  readonly #maildir: string;
  readonly #entry: Watched;
  readonly #mark: number;
  #released = false;

  private constructor(maildir: string, entry: Watched) {
    this.#maildir = maildir;
    this.#entry = entry;
    this.#mark = entry.changes;
  }

  /**
   * Starts watching (or joins the watch of another session). undefined when the Maildir is on a file system not in
   * `watchable`, or the watch cannot be set (the inotify limits reached, a folder missing): the caller checks for
   * itself then.
   */
  static start(maildir: string, watchable: ReadonlySet<number> = WATCHABLE_FILE_SYSTEMS): MaildirWatch | undefined {
    let entry = watched.get(maildir);
    if (entry === undefined) {
      entry = open(maildir, watchable);
      if (entry === undefined) return undefined;
      watched.set(maildir, entry);
    }
    entry.users++;
    return new MaildirWatch(maildir, entry);
  }

  get unchanged(): boolean {
    return this.#entry.changes === this.#mark;
  }

  /** Ends this session's use; the watch stops with the last one. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (--this.#entry.users > 0) return;
    for (const watcher of this.#entry.watchers) watcher.close();
    if (watched.get(this.#maildir) === this.#entry) watched.delete(this.#maildir);
  }
}

function open(maildir: string, watchable: ReadonlySet<number>): Watched | undefined {
  const entry: Watched = { watchers: [], changes: 0, users: 0 };
  const changed = () => {
    entry.changes++;
  };
  const failed = () => {
    entry.changes = Number.NaN;
  };
  try {
    if (!watchable.has(statfsSync(maildir).type)) return undefined;
    for (const folder of FOLDERS) {
      const watcher = watch(join(maildir, folder), { persistent: false }, changed);
      watcher.on('error', failed);
      entry.watchers.push(watcher);
    }
    return entry;
  } catch {
    for (const watcher of entry.watchers) watcher.close();
    return undefined;
  }
}
