import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, ioError } from './maildir-error.js';
import { syncDirectory } from './sync-directory.js';

/** The UID list inside a Maildir, and its lock. */
export const UID_LIST_FILE = 'poplar-uidlist';
export const UID_LIST_LOCK = 'poplar-uidlist.lock';

export interface UidEntry {
  readonly uid: number;
  /** Bytes on disk (S=), or the storage size the configured calculator gave. */
  storedSize: number;
  /** Exact RFC 822 size (W=) once known. */
  size: number | undefined;
  /** Scratch: position in UID order, set while matching the list against a scan. */
  slot?: number;
}

/** Entries keyed by Maildir unique name; iteration order is UID order. */
export interface UidList {
  next: number;
  readonly entries: Map<string, UidEntry>;
}

const HEADER = /^poplar-uidlist 1 next=(\d{1,15})$/;

export function formatUidEntry(unique: string, entry: UidEntry): string {
  return `${entry.uid} ${unique} S=${entry.storedSize}${entry.size === undefined ? '' : ` W=${entry.size}`}\n`;
}

/**
 * Parses the list. Only newline-terminated lines count (a crash mid-append leaves a torn last line, which was never
 * made visible); a line whose UID does not exceed the one before it, or whose name is already listed, is dropped
 * (the file is then treated as new and gets a fresh UID). A damaged header restarts numbering above the current
 * Unix time, which is above any UID handed out before, so no UID is ever reused.
 */
export function parseUidList(text: string, now: number = Date.now()): UidList {
  const entries = new Map<string, UidEntry>();
  if (text.length === 0) return { next: 1, entries };
  const firstEnd = text.indexOf('\n');
  const header = firstEnd < 0 ? undefined : headerNext(text.slice(0, firstEnd));
  let last = 0;
  let pos = header === undefined ? 0 : firstEnd + 1;
  for (let end = text.indexOf('\n', pos); end >= 0; pos = end + 1, end = text.indexOf('\n', pos)) {
    const parsed = parseLine(text, pos, end);
    if (parsed === undefined || parsed.entry.uid <= last || entries.has(parsed.unique)) continue;
    last = parsed.entry.uid;
    entries.set(parsed.unique, parsed.entry);
  }
  return { next: Math.max(header ?? Math.floor(now / 1000), last + 1), entries };
}

function headerNext(line: string): number | undefined {
  const match = HEADER.exec(line);
  return match ? Number(match[1]) : undefined;
}

/**
 * One line, text[start, end): "<uid> <unique> S=<n>[ W=<n>]". Scanned by hand: a regular expression per line
 * costs more than all the rest of opening a big maildrop.
 */
function parseLine(text: string, start: number, end: number): { unique: string; entry: UidEntry } | undefined {
  const space = text.indexOf(' ', start);
  const s = text.lastIndexOf(' S=', end);
  if (space <= start || s <= space) return undefined;
  const w = text.indexOf(' W=', s + 3);
  const hasW = w >= 0 && w < end;
  const uid = decimal(text, start, space);
  const storedSize = decimal(text, s + 3, hasW ? w : end);
  const size = hasW ? decimal(text, w + 3, end) : undefined;
  if (Number.isNaN(uid) || Number.isNaN(storedSize) || Number.isNaN(size ?? 0)) return undefined;
  return { unique: text.slice(space + 1, s), entry: { uid, storedSize, size } };
}

/** The decimal number in text[start, end), or NaN unless it is 1-15 digits. */
function decimal(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return Number.NaN;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

export async function readUidList(maildir: string): Promise<UidList> {
  try {
    return parseUidList(await readFile(join(maildir, UID_LIST_FILE), 'utf8'));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { next: 1, entries: new Map() };
    throw ioError(err, `cannot read ${UID_LIST_FILE}`);
  }
}

/** Replaces the list crash-safely: temp file, fsync, rename, fsync of the Maildir. Call with the lock held. */
export async function writeUidList(maildir: string, list: UidList): Promise<void> {
  const parts = [`poplar-uidlist 1 next=${list.next}\n`];
  for (const [unique, entry] of list.entries) parts.push(formatUidEntry(unique, entry));
  const temp = join(maildir, `.${UID_LIST_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(parts.join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(maildir, UID_LIST_FILE));
    await syncDirectory(maildir);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw ioError(err, `cannot write ${UID_LIST_FILE}`);
  }
}

const TAIL = 16 * 1024;

/**
 * Gives `unique` the next UID and appends its line, fsynced, without reading the whole list: the next UID is the
 * larger of the header's and the last line's + 1 (lines are in UID order). Call with the lock held.
 */
export async function appendUidEntry(
  maildir: string,
  unique: string,
  sizes: { storedSize: number; size: number },
): Promise<number> {
  const path = join(maildir, UID_LIST_FILE);
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_APPEND);
    const { size } = await handle.stat();
    if (size > 0) {
      const { next, torn } = await nextUid(handle, maildir);
      // A torn line from a crash is closed first so that it cannot swallow ours.
      const line = Buffer.from((torn ? '\n' : '') + formatUidEntry(unique, { uid: next, ...sizes }));
      try {
        // A full disk or a file size limit writes a line only in part, without an error: the rest gets the errno.
        for (let done = 0; done < line.length; ) done += (await handle.write(line, done)).bytesWritten;
        await handle.sync();
      } catch (err) {
        // A part of a line must not stay: the next append would close it into an entry with wrong sizes.
        await handle.truncate(size).catch(() => undefined);
        throw err;
      }
      return next;
    }
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw ioError(err, `cannot append to ${UID_LIST_FILE}`);
  } finally {
    await handle?.close().catch(() => undefined);
  }
  // No list yet (or an empty one): start it.
  await writeUidList(maildir, { next: 2, entries: new Map([[unique, { uid: 1, ...sizes }]]) });
  return 1;
}

async function nextUid(handle: FileHandle, maildir: string): Promise<{ next: number; torn: boolean }> {
  const { size } = await handle.stat();
  const length = Math.min(size, TAIL);
  const tail = Buffer.alloc(length);
  await handle.read(tail, 0, length, size - length);
  const text = tail.toString('utf8');
  const lastEnd = text.lastIndexOf('\n');
  const torn = length > lastEnd + 1;
  // The digits a torn line starts with may be a UID it was about to take: step over it too.
  const tornUid = torn ? Number(/^(\d{1,15}) /.exec(text.slice(lastEnd + 1))?.[1] ?? 0) : 0;
  const head = Buffer.alloc(Math.min(size, 64));
  await handle.read(head, 0, head.length, 0);
  const header = headerNext(head.toString('latin1').split('\n')[0] ?? '');
  // Lines are in UID order, so the last whole line has the highest UID. The tail's first line may be cut: use it
  // only when the tail is the whole file.
  const first = length === size ? 0 : text.indexOf('\n') + 1;
  for (let end = lastEnd; header !== undefined && end > first; ) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    if (start < first) break;
    const parsed = parseLine(text, start, end);
    if (parsed !== undefined) return { next: Math.max(header, parsed.entry.uid + 1, tornUid + 1), torn };
    end = start - 1;
  }
  // No whole line near the end (a header-only list) or a damaged header: parse it all.
  const list = parseUidList(await readFile(join(maildir, UID_LIST_FILE), 'utf8'));
  return { next: Math.max(list.next, tornUid + 1), torn };
}
