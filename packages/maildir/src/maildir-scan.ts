import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError } from './maildir-error.js';

/** new/ is 0, cur/ is 1: one byte per message in a listing. */
export const FOLDERS = ['new', 'cur'] as const;

export interface MaildirScan {
  /** File names, those of new/ first. */
  readonly names: readonly string[];
  /** Index in `names` of the first name from cur/. */
  readonly curStart: number;
  /** False when new/ or cur/ changed while being read: a name missing from `names` then proves nothing. */
  readonly stable: boolean;
}

export function uniqueOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

export function folderOf(scan: MaildirScan, index: number): 0 | 1 {
  return index < scan.curStart ? 0 : 1;
}

/**
 * Lists the messages of a Maildir: regular files in new/ then cur/ (in that order, so a message moved from new/ to
 * cur/ meanwhile is never missed; it may then appear in both). Ignores dot files, symlinks, directories and names
 * that cannot be listed on one line. Reads no file and, on file systems that report entry types, stats none.
 */
export async function scanMaildir(maildir: string): Promise<MaildirScan> {
  const names: string[] = [];
  let curStart = 0;
  let stable = true;
  for (const folder of [0, 1] as const) {
    const dir = join(maildir, FOLDERS[folder]);
    if (folder === 1) curStart = names.length;
    try {
      const before = await stat(dir, { bigint: true });
      const entries = await readdir(dir, { withFileTypes: true });
      const after = await stat(dir, { bigint: true });
      if (before.mtimeNs !== after.mtimeNs || before.ino !== after.ino) stable = false;
      for (const entry of entries) {
        const name = entry.name;
        if (entry.isFile() && name[0] !== '.' && !name.includes('\n') && !name.includes('\r')) names.push(name);
      }
    } catch (err) {
      throw ioError(err, `cannot list ${dir}`);
    }
  }
  return { names, curStart, stable };
}

/**
 * Where each message is now, by unique name, as a path relative to the Maildir: finds messages a reader moved to
 * cur/ or re-flagged after a snapshot was taken. A message seen in both folders (moved during the scan) is in cur/.
 */
export async function locateMessages(maildir: string): Promise<Map<string, string>> {
  const scan = await scanMaildir(maildir);
  return new Map(scan.names.map((name, i) => [uniqueOf(name), join(FOLDERS[folderOf(scan, i)], name)]));
}
