import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, ioError } from './maildir-error.js';
import { UID_LIST_FILE } from './uid-list.js';

/** The Maildir spec's limit: a file untouched in tmp/ for 36 hours is left over from a failed delivery. */
export const STALE_TMP_MS = 36 * 60 * 60 * 1000;

export interface CleanTmpOptions {
  readonly maxAgeMs?: number;
  readonly now?: number;
}

/**
 * Removes regular files in tmp/ not accessed, modified or changed for 36 hours, and the temporary files a crash
 * may have left beside the UID list (".poplar-uidlist…"). Returns how many it removed.
 */
export async function cleanTmp(maildir: string, options: CleanTmpOptions = {}): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? STALE_TMP_MS);
  const tmp = await removeOld(join(maildir, 'tmp'), cutoff, () => true);
  const leftovers = await removeOld(maildir, cutoff, (name) => name.startsWith(`.${UID_LIST_FILE}`));
  return tmp + leftovers;
}

async function removeOld(dir: string, cutoff: number, wanted: (name: string) => boolean): Promise<number> {
  let removed = 0;
  try {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile() || !wanted(entry.name)) continue;
      const path = join(dir, entry.name);
      const stats = await lstat(path).catch(() => undefined);
      if (stats === undefined || !stats.isFile()) continue;
      if (Math.max(stats.atimeMs, stats.mtimeMs, stats.ctimeMs) >= cutoff) continue;
      await unlink(path).then(
        () => removed++,
        (err: unknown) => {
          if (errnoOf(err) !== 'ENOENT') throw err;
        },
      );
    }
  } catch (err) {
    throw ioError(err, `cannot clean ${dir}`);
  }
  return removed;
}
