import { GssError, type Krb5ErrorName } from '@poplar/gssapi';
import type { AuthFailureReason } from '@poplar/session';

// Failures of the server's own setup: keytab, replay cache, configuration. Anything else about a token is the
// client's (bad, expired, replayed, or for another service) and counts as a credentials failure.
const SERVER_SIDE: ReadonlySet<Krb5ErrorName> = new Set<Krb5ErrorName>([
  'KRB5_RC_MALLOC',
  'KRB5_RC_TYPE_NOTFOUND',
  'KRB5_RC_UNKNOWN',
  'KRB5_RC_IO',
  'KRB5_RC_NOIO',
  'KRB5_RC_PARSE',
  'KRB5_RC_IO_EOF',
  'KRB5_RC_IO_MALLOC',
  'KRB5_RC_IO_PERM',
  'KRB5_RC_IO_IO',
  'KRB5_RC_IO_UNKNOWN',
  'KRB5_RC_IO_SPACE',
  'KRB5_KT_BADNAME',
  'KRB5_KT_UNKNOWN_TYPE',
  'KRB5_KT_END',
  'KRB5_KT_IOERR',
  'KRB5_KT_FORMAT',
  'KRB5_KT_KVNONOTFOUND',
  'KRB5KRB_AP_ERR_BADKEYVER',
  'KRB5KRB_AP_ERR_NOKEY',
  'KRB5_CONFIG_NODEFREALM',
]);

// errno values the library passes through as minor codes when the replay cache or keytab cannot be used:
// EPERM ENOENT EIO ENOMEM EACCES ENFILE EMFILE ENOSPC EROFS EDQUOT.
const SERVER_ERRNO: ReadonlySet<number> = new Set([1, 2, 5, 12, 13, 23, 24, 28, 30, 122]);

// The calls that judge the client's tokens; a failure anywhere else (acquiring credentials, wrap) is the server's.
const TOKEN_CHECKS: ReadonlySet<string> = new Set(['gss_accept_sec_context', 'gss_unwrap']);

/** 'temporary' for failures on the server's side (the client may retry later), 'credentials' otherwise. */
export function failureReason(error: unknown): AuthFailureReason {
  if (!(error instanceof GssError) || !TOKEN_CHECKS.has(error.operation)) return 'temporary';
  const name = error.minorName;
  if (name !== undefined) return SERVER_SIDE.has(name) ? 'temporary' : 'credentials';
  return SERVER_ERRNO.has(error.minor) ? 'temporary' : 'credentials';
}
