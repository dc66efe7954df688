import { StoreError } from '@poplar/session';

export type MaildirErrorCode =
  /** The user name cannot name a mailbox (path characters, too long, odd). */
  | 'MAILDIR_ERR_BAD_USER'
  /** A path is a symlink, not a directory, or outside the mail root. */
  | 'MAILDIR_ERR_BAD_PATH'
  /** The host's mapping has no Maildir for this identity. */
  | 'MAILDIR_ERR_NO_MAILDROP'
  /** Another process held the UID list lock for too long. */
  | 'MAILDIR_ERR_LOCK_TIMEOUT'
  /** A file system call failed (disk full, I/O error, too many open files...). */
  | 'MAILDIR_ERR_IO';

/**
 * Every failure of this package. A StoreError, so the session maps `kind` to [SYS/TEMP] or [SYS/PERM]; a delivery
 * command maps 'temporary' to a temporary-failure exit code (EX_TEMPFAIL) so the MTA retries.
 */
export class MaildirError extends StoreError {
  readonly code: MaildirErrorCode;
  constructor(code: MaildirErrorCode, kind: 'temporary' | 'permanent', message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
    this.name = 'MaildirError';
    this.code = code;
  }
}

// errno values that will not go away by retrying; anything else (ENOSPC, EDQUOT, EIO, EMFILE, EACCES...) may.
const PERMANENT_ERRNO = new Set(['ELOOP', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'EINVAL']);

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps a file system error, keeping it as the cause. A MaildirError passes through unchanged. */
export function ioError(err: unknown, what: string): MaildirError {
  if (err instanceof MaildirError) return err;
  const errno = errnoOf(err);
  const kind = errno !== undefined && PERMANENT_ERRNO.has(errno) ? 'permanent' : 'temporary';
  return new MaildirError('MAILDIR_ERR_IO', kind, `${what}: ${errno ?? String(err)}`, { cause: err });
}
