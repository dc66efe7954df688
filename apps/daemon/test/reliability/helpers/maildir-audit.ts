import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UID_LIST_FILE, UID_LIST_LOCK } from '@poplar/maildir';
import { ledgerIdOf, sha256, wireForm } from './ledger.js';

export interface MaildirContents {
  /** Messages in new/ and cur/: file name -> the sha256 of its wire form (CRLF line ends) and its ledger id. */
  readonly messages: ReadonlyMap<string, { readonly sha: string; readonly id: string | undefined }>;
  /** Names left in tmp/. */
  readonly tmp: readonly string[];
  /** Unique name -> UID, from the UID list's whole lines. */
  readonly uids: ReadonlyMap<string, number>;
  /** The UID list's "next=" header. */
  readonly next: number | undefined;
  readonly locked: boolean;
}

/** Reads a Maildir as it is on disk, without the store's code: every message file, tmp/, the UID list, the lock. */
export async function readMaildir(maildir: string): Promise<MaildirContents> {
  const messages = new Map<string, { sha: string; id: string | undefined }>();
  for (const folder of ['new', 'cur']) {
    for (const entry of await readdir(join(maildir, folder), { withFileTypes: true }).catch(() => [])) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const bytes = await readFile(join(maildir, folder, entry.name));
      messages.set(entry.name, { sha: sha256(wireForm(bytes)), id: ledgerIdOf(bytes) });
    }
  }
  const tmp = await readdir(join(maildir, 'tmp')).catch(() => []);
  const text = await readFile(join(maildir, UID_LIST_FILE), 'utf8').catch(() => '');
  const lines = text.split('\n');
  // Only newline-terminated lines count, as in the store.
  lines.pop();
  const next = /^poplar-uidlist 1 next=(\d+)$/.exec(lines[0] ?? '')?.[1];
  const uids = new Map<string, number>();
  for (const line of lines.slice(next === undefined ? 0 : 1)) {
    const match = /^(\d+) (\S+) S=\d+( W=\d+)?$/.exec(line);
    if (match) uids.set(match[2] as string, Number(match[1]));
  }
  const locked = (await readdir(maildir)).includes(UID_LIST_LOCK);
  return { messages, tmp, uids, next: next === undefined ? undefined : Number(next), locked };
}

/** The Maildir unique name of a message file name (up to ":"). */
export const uniqueOf = (name: string): string => name.split(':')[0] as string;

/** Message files that have no UID in the list. */
export function filesWithoutUid(contents: MaildirContents): string[] {
  return [...contents.messages.keys()].filter((name) => !contents.uids.has(uniqueOf(name)));
}
