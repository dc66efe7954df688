import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMaildirName, type SizeCalculator } from '@poplar/size';
import { removeCaches } from './crlf-cache.js';
import { acquireDotLock, type DotLockOptions } from './dot-lock.js';
import type { ListingCache } from './listing-cache.js';
import { errnoOf, ioError } from './maildir-error.js';
import { FOLDERS, folderOf, type MaildirScan, scanMaildir, uniqueOf } from './maildir-scan.js';
import { DEFAULT_READ, type Listing, MaildirSnapshot, type SnapshotReadOptions } from './maildir-snapshot.js';
import { MaildirWatch } from './maildir-watch.js';
import { mapLimit } from './map-limit.js';
import { messageChunks } from './message-file.js';
import { readUidList, UID_LIST_LOCK, type UidEntry, type UidList, writeUidList } from './uid-list.js';

export interface SnapshotOptions {
  readonly calculator: SizeCalculator;
  readonly lock?: DotLockOptions;
  /** How the snapshot reads messages (see MaildirSnapshot). Default DEFAULT_READ. */
  readonly read?: SnapshotReadOptions;
  /** Listings of unchanged Maildirs to share and to reuse instead of reading the folders and the list again. */
  readonly listings?: ListingCache;
  /** Called once the snapshot is released. */
  readonly onRelease?: () => void;
}

// Entries of removed messages are dropped whenever the list is rewritten; past this many (and a quarter of the
// maildrop) an open rewrites it just for that.
const STALE_LIMIT = 256;

/**
 * Takes a snapshot of a Maildir. Fast path, the usual case: every file is already in the UID list with the size
 * needed, so it reads the list and the two folders, takes no lock and writes nothing. Otherwise it takes the lock,
 * gives new files UIDs (by mtime, then name), computes their sizes once and rewrites the list. Faster still: with a
 * listing cache, an unchanged Maildir reuses the listing of an earlier open (three stat() calls, nothing read).
 */
export async function takeSnapshot(maildir: string, options: SnapshotOptions): Promise<MaildirSnapshot> {
  const read = options.read ?? DEFAULT_READ;
  // Started before anything is read, so that a change made meanwhile counts.
  const watch = read.watchChanges ? MaildirWatch.start(maildir) : undefined;
  try {
    const listing = await listingOf(maildir, options);
    return new MaildirSnapshot(maildir, listing, read, { watch, onRelease: options.onRelease });
  } catch (err) {
    watch?.release();
    throw err;
  }
}

async function listingOf(maildir: string, options: SnapshotOptions): Promise<Listing> {
  const exact = options.calculator.exact;
  const listings = options.listings;
  // Taken before anything is read: a change made while reading then shows as a different stamp next time.
  const stamp = await listings?.stamp(maildir);
  const cached = stamp === undefined ? undefined : listings!.get(maildir, stamp);
  if (cached !== undefined) return cached;
  const list = await readUidList(maildir);
  const scan = await scanMaildir(maildir);
  const listing = match(list, scan, exact, true);
  if (listing !== undefined) {
    if (stamp !== undefined && scan.stable) listings!.set(maildir, stamp, listing);
    return listing;
  }
  // Measured before the lock: the first open of a large Maildir written by other software then holds the lock only to
  // number its files, and a login meanwhile waits for that, not for every message to be read (and times out).
  const premeasured = exact ? await measureOnce(maildir, list, scan, options.calculator) : undefined;
  const lock = await acquireDotLock(join(maildir, UID_LIST_LOCK), options.lock);
  try {
    const list = await readUidList(maildir);
    const scan = await scanMaildir(maildir);
    if (await update(maildir, list, scan, options.calculator, premeasured)) await writeUidList(maildir, list);
    return match(list, scan, exact, false)!;
  } finally {
    await lock.release();
  }
}

/**
 * The listing of the scanned files in UID order. Strict (the fast path): undefined when a file is not in the list,
 * lacks the size needed, or the list has many stale entries. Otherwise files not in the list are left out.
 */
function match(list: UidList, scan: MaildirScan, exact: boolean, strict: boolean): Listing | undefined {
  let slots = 0;
  for (const entry of list.entries.values()) entry.slot = slots++;
  const entryAt: Array<UidEntry | undefined> = new Array(slots);
  const fileAt = new Int32Array(slots).fill(-1);
  for (let i = 0; i < scan.names.length; i++) {
    const entry = list.entries.get(uniqueOf(scan.names[i]!));
    if (entry === undefined || (exact && entry.size === undefined)) {
      if (strict) return undefined;
      if (entry === undefined) continue;
    }
    // A message seen in both new/ and cur/ keeps the later one, cur/.
    entryAt[entry.slot!] = entry;
    fileAt[entry.slot!] = i;
  }
  let count = 0;
  for (let slot = 0; slot < slots; slot++) if (fileAt[slot]! >= 0) count++;
  if (strict && slots - count > STALE_LIMIT && (slots - count) * 4 > count) return undefined;
  const listing = {
    uids: new Float64Array(count),
    sizes: new Float64Array(count),
    storedSizes: new Float64Array(count),
    exactSizes: new Float64Array(count),
    folders: new Uint8Array(count),
    offsets: new Uint32Array(count + 1),
  };
  const names: string[] = [];
  let i = 0;
  for (let slot = 0; slot < slots; slot++) {
    const file = fileAt[slot]!;
    if (file < 0) continue;
    const entry = entryAt[slot]!;
    const name = scan.names[file]!;
    listing.uids[i] = entry.uid;
    listing.storedSizes[i] = entry.storedSize;
    listing.sizes[i] = exact ? (entry.size ?? entry.storedSize) : entry.storedSize;
    listing.exactSizes[i] = entry.size ?? Number.NaN;
    listing.folders[i] = folderOf(scan, file);
    names.push(name);
    listing.offsets[i + 1] = listing.offsets[i]! + name.length;
    i++;
  }
  return { ...listing, names: names.join('') };
}

/** A file of the scan: its folder (0 new/, 1 cur/) and name. */
interface ScannedFile {
  readonly folder: 0 | 1;
  readonly name: string;
}

/** Files measured ahead, by unique name: the stored size and mtime they had, and the calculator's answer. */
type Premeasured = ReadonlyMap<string, Measured>;

interface Measured {
  readonly storedSize: number;
  readonly mtime: number;
  readonly size: number | null;
}

/** Measurements running now, by calculator and Maildir: concurrent opens in a process share one, not read twice. */
const measuring = new WeakMap<SizeCalculator, Map<string, Promise<Premeasured>>>();

function measureOnce(maildir: string, list: UidList, scan: MaildirScan, calculator: SizeCalculator) {
  const byMaildir = measuring.get(calculator) ?? new Map<string, Promise<Premeasured>>();
  measuring.set(calculator, byMaildir);
  let running = byMaildir.get(maildir);
  if (running === undefined) {
    running = measureUnsized(maildir, list, scan, calculator).finally(() => byMaildir.delete(maildir));
    byMaildir.set(maildir, running);
  }
  return running;
}

/** The sizes of the files the list has no exact size for, measured without the lock (32 at a time, as new files were under the lock). */
async function measureUnsized(
  maildir: string,
  list: UidList,
  scan: MaildirScan,
  calculator: SizeCalculator,
): Promise<Premeasured> {
  const unsized: Array<[string, ScannedFile]> = [];
  scan.names.forEach((name, i) => {
    const unique = uniqueOf(name);
    if (list.entries.get(unique)?.size === undefined) unsized.push([unique, { folder: folderOf(scan, i), name }]);
  });
  const premeasured = new Map<string, Measured>();
  await mapLimit(unsized, 32, async ([unique, file]) => {
    const measured = await statAndMeasure(maildir, file, unique, calculator);
    if (measured !== undefined) premeasured.set(unique, measured);
  });
  return premeasured;
}

/** A file's stored size, mtime and measured size; undefined when it vanished meanwhile. */
async function statAndMeasure(
  maildir: string,
  file: ScannedFile,
  unique: string,
  calculator: SizeCalculator,
): Promise<Measured | undefined> {
  const stats = await statFile(maildir, file);
  if (stats === undefined) return undefined;
  const size = await measure(maildir, file, unique, stats.size, calculator);
  return size === undefined ? undefined : { storedSize: stats.size, mtime: stats.mtimeMs, size };
}

/** Brings the list up to date with the scan. True when it changed. */
async function update(
  maildir: string,
  list: UidList,
  scan: MaildirScan,
  calculator: SizeCalculator,
  premeasured?: Premeasured,
): Promise<boolean> {
  let changed = false;
  const files = new Map<string, ScannedFile>();
  scan.names.forEach((name, i) => {
    files.set(uniqueOf(name), { folder: folderOf(scan, i), name });
  });
  if (scan.stable) {
    const gone: string[] = [];
    for (const [unique, entry] of list.entries) {
      if (files.has(unique)) continue;
      list.entries.delete(unique);
      changed = true;
      if (entry.size !== undefined && entry.size !== entry.storedSize) gone.push(unique);
    }
    // Messages removed by other software: their cached CRLF forms are of no use now.
    await removeCaches(maildir, gone);
  }
  // Exact sizes the list lacks for files it knows (recorded while exact sizes were off).
  const unsized = calculator.exact
    ? [...files].filter(([unique]) => {
        const entry = list.entries.get(unique);
        return entry !== undefined && entry.size === undefined;
      })
    : [];
  await mapLimit(unsized, 8, async ([unique, file]) => {
    const entry = list.entries.get(unique)!;
    // A Maildir file's content never changes: a size measured ahead at the same stored size is its size.
    const ahead = premeasured?.get(unique);
    const measured =
      ahead?.storedSize === entry.storedSize
        ? ahead.size
        : await measure(maildir, file, unique, entry.storedSize, calculator);
    if (typeof measured === 'number') {
      entry.size = measured;
      changed = true;
    }
  });
  // New files: stat for mtime and size (unless measured ahead), measure, then number them in delivery order.
  const fresh = [...files].filter(([unique]) => !list.entries.has(unique));
  const found = await mapLimit(fresh, 32, async ([unique, file]) => {
    const measured = premeasured?.get(unique) ?? (await statAndMeasure(maildir, file, unique, calculator));
    if (measured === undefined) return undefined;
    const { storedSize, mtime, size } = measured;
    const sizes = calculator.exact
      ? { storedSize, size: size ?? undefined }
      : { storedSize: size ?? storedSize, size: parseMaildirName(file.name).hints.W };
    return { unique, name: file.name, mtime, sizes };
  });
  const arrived = found.filter((f) => f !== undefined);
  arrived.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { unique, sizes } of arrived) {
    list.entries.set(unique, { uid: list.next++, ...sizes });
    changed = true;
  }
  return changed;
}

/** lstat of a listed file; undefined when it vanished meanwhile or is not a regular file. */
async function statFile(maildir: string, file: ScannedFile): Promise<Stats | undefined> {
  const stats = await lstat(join(maildir, FOLDERS[file.folder], file.name)).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw ioError(err, `cannot stat ${file.name}`);
  });
  return stats?.isFile() ? stats : undefined;
}

/** The calculator's answer; undefined when the file vanished meanwhile. */
async function measure(
  maildir: string,
  file: ScannedFile,
  unique: string,
  storedSize: number,
  calculator: SizeCalculator,
): Promise<number | null | undefined> {
  const path = join(maildir, FOLDERS[file.folder], file.name);
  try {
    return await calculator.measure({
      key: unique,
      storedSize,
      hints: parseMaildirName(file.name).hints,
      open: () => messageChunks(path),
    });
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw ioError(err, `cannot size ${file.name}`);
  }
}
