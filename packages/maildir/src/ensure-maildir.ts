import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, ioError, MaildirError } from './maildir-error.js';

export const MAILDIR_FOLDERS = ['tmp', 'new', 'cur'] as const;

/** Makes sure `path` is a real directory (not a symlink), creating it with mode 0700 when missing. */
export async function ensureDirectory(path: string): Promise<void> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw ioError(err, `cannot inspect ${path}`);
    try {
      await mkdir(path, { mode: 0o700 });
      return;
    } catch (mkdirErr) {
      // Someone else created it meanwhile: check what they made.
      if (errnoOf(mkdirErr) !== 'EEXIST') throw ioError(mkdirErr, `cannot create ${path}`);
      stats = await lstat(path).catch((e: unknown) => {
        throw ioError(e, `cannot inspect ${path}`);
      });
    }
  }
  if (stats.isSymbolicLink()) throw new MaildirError('MAILDIR_ERR_BAD_PATH', 'permanent', `${path} is a symlink`);
  if (!stats.isDirectory()) throw new MaildirError('MAILDIR_ERR_BAD_PATH', 'permanent', `${path} is not a directory`);
}

/** Makes sure a Maildir and its tmp/, new/ and cur/ exist as real directories. */
export async function ensureMaildir(maildir: string): Promise<void> {
  await ensureDirectory(maildir);
  for (const folder of MAILDIR_FOLDERS) await ensureDirectory(join(maildir, folder));
}
