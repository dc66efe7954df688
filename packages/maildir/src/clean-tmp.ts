import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CACHE_TEMP_PREFIX, CRLF_CACHE_DIR, cacheFolderState } from './crlf-cache.js';
import { errnoOf, ioError } from './maildir-error.js';
import { scanMaildir, uniqueOf } from './maildir-scan.js';
import { UID_LIST_FILE } from './uid-list.js';

/** The Maildir spec's limit: a file untouched in tmp/ for 36 hours is left over from a failed delivery. */
export const STALE_TMP_MS = 36 * 60 * 60 * 1000;

export interface CleanTmpOptions {
  readonly maxAgeMs?: number;
  readonly now?: number;
}

/**
 * Maintenance: removes regular files in tmp/ not accessed, modified or changed for 36 hours, the temporary files a
 * crash may have left beside the UID list (".poplar-uidlist…") and in the CRLF cache, and cached CRLF forms of
 * messages that are gone. Returns how many files it removed.
 */
export async function cleanTmp(maildir: string, options: CleanTmpOptions = {}): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? STALE_TMP_MS);
  const tmp = await removeOld(join(maildir, 'tmp'), cutoff, () => true);
  const leftovers = await removeOld(maildir, cutoff, (name) => name.startsWith(`.${UID_LIST_FILE}`));
  return tmp + leftovers + (await cleanCache(maildir, cutoff));
}

/**
 * The CRLF cache: temporary files untouched since `cutoff`, and cache files whose message is no longer in new/ or
 * cur/ (expunged by other software, or left by a crash between a commit's two unlinks). Nothing is touched unless
 * the folder is a real directory, not a symlink.
 */
async function cleanCache(maildir: string, cutoff: number): Promise<number> {
  if ((await cacheFolderState(maildir)) !== 'ready') return 0;
  const dir = join(maildir, CRLF_CACHE_DIR);
  const temps = await removeOld(dir, cutoff, (name) => name.startsWith(CACHE_TEMP_PREFIX));
  // Listed before the messages, so a cache file built meanwhile always has its message in the listing.
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw ioError(err, `cannot list ${dir}`);
  });
  const present = new Set((await scanMaildir(maildir)).names.map(uniqueOf));
  let orphans = 0;
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(CACHE_TEMP_PREFIX) || present.has(entry.name)) continue;
    await unlink(join(dir, entry.name)).then(
      () => orphans++,
      (err: unknown) => {
        if (errnoOf(err) !== 'ENOENT') throw ioError(err, `cannot remove ${entry.name}`);
      },
    );
  }
  return temps + orphans;
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
