import type { RespCode } from '@poplar/wire';

/**
 * What an -ERR answer counts against: 'protocol' errors count towards maxProtocolErrors and maxBadCommands, 'bad'
 * commands towards maxBadCommands only. Failed logins are counted by the login code, not here.
 */
export type ErrorCount = 'protocol' | 'bad';

export interface ErrorSpec {
  /** Default informational text (V0001), Exchange's where Exchange has one. `{msn}` is the message number. */
  readonly text: string;
  /** RFC 2449 / RFC 3206 response code, sent only when the responseCodes setting is on. */
  readonly code?: RespCode;
  readonly counts?: ErrorCount;
}

/**
 * Every -ERR the session sends: the only place wire texts and response codes are chosen. The dispatcher renders
 * them; an exception's message never reaches the wire. Codes are never reused for a different meaning.
 */
export const ERRORS = {
  // Commands
  POP3_ERR_UNKNOWN_COMMAND: { text: 'Protocol error. 19', counts: 'protocol' },
  /** The unknown command that reaches maxProtocolErrors: Exchange's last word before it disconnects. */
  POP3_ERR_TOO_MANY_UNKNOWN_COMMANDS: { text: 'Protocol error. 20' },
  POP3_ERR_BAD_ARGUMENT: { text: 'Protocol error. 14', counts: 'protocol' },
  POP3_ERR_ARGUMENT_COUNT: { text: 'Protocol error. 16', counts: 'protocol' },
  POP3_ERR_BAD_OCTETS: { text: 'Protocol error. 17', counts: 'protocol' },
  POP3_ERR_LINE_TOO_LONG: { text: 'Protocol error. 10', counts: 'protocol' },
  POP3_ERR_WRONG_STATE: { text: 'Command is not valid in this state.', counts: 'bad' },
  /** APOP (V0012), and STLS where no TLS is configured. */
  POP3_ERR_NOT_SUPPORTED: { text: 'Command is not supported.', counts: 'bad' },
  POP3_ERR_TOO_MANY_PREAUTH_COMMANDS: { text: 'Too many commands before logon.' },

  // Messages
  POP3_ERR_NO_SUCH_MESSAGE: { text: 'The specified message is out of range.' },
  POP3_ERR_MESSAGE_DELETED: { text: 'Message {msn} has been deleted.' },
  /** Removed behind the session's back since the snapshot (C0004). */
  POP3_ERR_MESSAGE_GONE: { text: 'Message {msn} is no longer in the mailbox.' },

  // Logins
  POP3_ERR_LOGON_FAILURE: { text: 'Logon failure: unknown user name or bad password.', code: 'AUTH' },
  POP3_ERR_AUTH_FAILURE: { text: 'Authentication failure: unknown user name or bad password.', code: 'AUTH' },
  POP3_ERR_AUTH_CANCELED: { text: 'The AUTH protocol exchange was canceled by the client.' },
  POP3_ERR_UNKNOWN_MECHANISM: { text: 'Protocol error. 14', counts: 'protocol' },
  /** An initial response on a server-first mechanism (RFC 5034 section 4). */
  POP3_ERR_AUTH_INITIAL_RESPONSE: { text: 'Protocol error. 16' },
  /** A SASL response that is not strict base64. */
  POP3_ERR_AUTH_BAD_DATA: { text: 'Authentication failure: the response is not valid base64.' },
  POP3_ERR_AUTH_TOO_MANY_STEPS: { text: 'Authentication failure: too many steps.' },
  POP3_ERR_AUTH_LINE_TOO_LONG: { text: 'Authentication failure: the response line is too long.' },
  /** The user database, the KDC or a mechanism failed: the client may try again later. */
  POP3_ERR_AUTH_UNAVAILABLE: { text: 'Server Unavailable. 21', code: 'SYS/TEMP' },
  POP3_ERR_TOO_MANY_SESSIONS: { text: 'Too many connections for this user.', code: 'IN-USE' },
  POP3_ERR_LOGIN_DELAY: { text: 'Logins for this user are too frequent; try again later.', code: 'LOGIN-DELAY' },

  // Maildrop
  POP3_ERR_MAILDROP_IN_USE: { text: 'The mailbox is in use by another session.', code: 'IN-USE' },
  POP3_ERR_MAILDROP_TEMPORARY: { text: 'Server Unavailable. 21', code: 'SYS/TEMP' },
  POP3_ERR_MAILDROP_PERMANENT: { text: 'The mailbox cannot be opened.', code: 'SYS/PERM' },
  /** UPDATE failed (V0006): some messages marked deleted may remain; none other was removed. */
  POP3_ERR_COMMIT_FAILED: { text: 'Some deleted messages could not be removed.', code: 'SYS/TEMP' },

  // Session end
  POP3_ERR_TIMEOUT: { text: 'Connection is closed. 12' },
  POP3_ERR_SHUTDOWN: { text: 'Connection is closed. 11' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;
