import { mkdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ensureDirectory, ensureMaildir } from './ensure-maildir.js';
import { ioError, MaildirError } from './maildir-error.js';

export const MAX_USER_LENGTH = 64;

// Letters and digits of any script, and . _ - @ + inside; no path separators, no controls, no leading '.' or '-'.
const USER_NAME = /^[\p{L}\p{N}_@+][\p{L}\p{N}._@+-]*$/u;

/** Why `user` cannot name a mailbox directory, or undefined when it can. */
export function userNameProblem(user: string): string | undefined {
  if (user.length === 0) return 'empty user name';
  if (user.length > MAX_USER_LENGTH) return `user name longer than ${MAX_USER_LENGTH} characters`;
  if (!USER_NAME.test(user)) return 'user name has characters not allowed in a mailbox name';
  if (user.normalize('NFC') !== user) return 'user name is not in Unicode normal form C';
  return undefined;
}

/**
 * Maps a user to `<mailRoot>/<user>/Maildir`, creating missing folders (mode 0700). Refuses names that could
 * escape the root or are odd (MAILDIR_ERR_BAD_USER), and refuses a user directory or Maildir that is a symlink or
 * not a directory (MAILDIR_ERR_BAD_PATH). The mail root itself must exist; it may be a symlink (it is the host's
 * configuration, not user input).
 */
export async function resolveMaildir(mailRoot: string, user: string): Promise<string> {
  const problem = userNameProblem(user);
  if (problem !== undefined) throw new MaildirError('MAILDIR_ERR_BAD_USER', 'permanent', problem);
  const root = resolve(mailRoot);
  const rootStats = await stat(root).catch((err: unknown) => {
    throw ioError(err, `mail root ${root}`);
  });
  if (!rootStats.isDirectory())
    throw new MaildirError('MAILDIR_ERR_BAD_PATH', 'permanent', `${root} is not a directory`);
  const userDir = join(root, user);
  await ensureDirectory(userDir);
  const maildir = join(userDir, 'Maildir');
  await ensureMaildir(maildir);
  return maildir;
}

/**
 * Checks a Maildir path chosen by the host (not by a user): absolute, a real directory (not a symlink) with tmp/,
 * new/ and cur/. Missing parents are created (mode 0700), as MDAs do for per-domain layouts.
 */
export async function prepareMaildir(path: string): Promise<string> {
  if (!isAbsolute(path) || path.includes('\0')) {
    throw new MaildirError('MAILDIR_ERR_BAD_PATH', 'permanent', 'Maildir path must be absolute');
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw ioError(err, `cannot create ${dirname(path)}`);
  });
  await ensureMaildir(path);
  return path;
}
