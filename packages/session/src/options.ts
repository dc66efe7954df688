import type { Duplex } from 'node:stream';
import type { AuthMechanism, ConnectionInfo, Identity, PasswordVerifier, Store } from './contracts.js';

/** Exchange's LoginType (Set-PopSettings): where plaintext logins (USER/PASS, AUTH PLAIN) are accepted. */
export type LoginType = 'PlainTextLogin' | 'PlainTextAuthentication' | 'SecureLogin';

/** Per-server settings, named after Exchange's Set-PopSettings parameters where one exists. */
export interface SessionSettings {
  /** MaxCommandSize: octets including CRLF, 40-1024. */
  readonly maxCommandSize: number;
  /** Longest SASL continuation line (base64), octets including CRLF. */
  readonly maxAuthLineSize: number;
  /** PreAuthenticatedConnectionTimeout, milliseconds. */
  readonly preAuthenticatedTimeoutMs: number;
  /** AuthenticatedConnectionTimeout, milliseconds. */
  readonly authenticatedTimeoutMs: number;
  readonly loginType: LoginType;
  /** Advertise RESP-CODES and AUTH-RESP-CODE and put [CODE]s on -ERR lines. */
  readonly responseCodes: boolean;
  /** Greeting text after "+OK ". */
  readonly banner: string;
  /** Failed logins on one connection before it is closed. */
  readonly maxFailedLogins: number;
  /** Bad (unknown, malformed, wrong-state) commands before the connection is closed. */
  readonly maxBadCommands: number;
  /** Commands accepted before a successful login. */
  readonly maxPreAuthCommands: number;
  /** Delay before answering a failed login, milliseconds (does not block other sessions). */
  readonly failedLoginDelayMs: number;
  /** Most SASL steps in one AUTH exchange. */
  readonly maxAuthSteps: number;
  /**
   * Protocol errors (unknown command, bad argument, wrong argument count, NUL or 8-bit octets, over-long line)
   * before the connection is closed. Exchange closes on the third. Default 3.
   */
  readonly maxProtocolErrors?: number;
}

/**
 * Why a host refuses a login that has the right credentials: 'in-use' answers [IN-USE] (too many sessions for this
 * user), 'login-delay' answers [LOGIN-DELAY] (RFC 2449 section 8.1: the user logged in too recently).
 */
export type UserRefusal = 'in-use' | 'login-delay';

/** Events for structured logs and metrics. Secrets (PASS, AUTH data) never appear in them. */
export type SessionEvent =
  | {
      readonly type: 'command';
      /** The command keyword, or 'UNKNOWN' for one the session does not know (its text is never reported). */
      readonly keyword: string;
      readonly ok: boolean;
      readonly bytesOut: number;
      /** The error table code of the -ERR answer, when there was one (e.g. 'POP3_ERR_WRONG_STATE'). */
      readonly error?: string;
    }
  | { readonly type: 'login'; readonly identity: Identity }
  | { readonly type: 'login-failed'; readonly user: string | undefined; readonly mechanism: string }
  | { readonly type: 'tls' }
  | { readonly type: 'error'; readonly error: unknown };

/**
 * Host callbacks: cross-session policy (penalties, per-user limits) lives in the host, not in the session.
 * `loginFailed` and `acquireUser` may answer with a promise (a host whose tables live in another process); the
 * session reads no input until it settles, so a host that can be slow should bound its own wait.
 */
export interface SessionHooks {
  /**
   * After a failed login: extra delay in ms (per-address penalty) on top of failedLoginDelayMs. A throw or a
   * rejection is reported as an 'error' event and adds nothing.
   */
  loginFailed?(connection: ConnectionInfo, user: string | undefined): number | Promise<number>;
  /**
   * A login succeeded and the maildrop is about to be opened. Return false (or 'in-use') to refuse with [IN-USE]
   * (MaxConnectionsPerUser), or 'login-delay' to refuse with [LOGIN-DELAY]. A refusal is not a failed login. A
   * throw or a rejection answers [SYS/TEMP] (the client may retry) and is not a failed login either.
   */
  acquireUser?(identity: Identity, connection: ConnectionInfo): boolean | UserRefusal | Promise<boolean | UserRefusal>;
  /** The session that acquired this user ended. */
  releaseUser?(identity: Identity, connection: ConnectionInfo): void;
  event?(connection: ConnectionInfo, event: SessionEvent): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Sends files to a connection without reading them into memory (sendfile(2)): a store's cached wire form of a
 * message goes out without a copy through JavaScript. Every call is synchronous and never blocks on the client.
 */
export interface FileSender {
  /** Whether files can be sent to this stream (a plain TCP connection, not TLS). Asked once per stream. */
  canSend(stream: Duplex): boolean;
  /**
   * Hands `head`, then up to `length` bytes of `fd` from `offset`, to the connection, as much as it takes now;
   * returns how many bytes of the two went. Called only while the stream has nothing of its own queued. Throws when
   * the connection failed.
   */
  sendNow(stream: Duplex, head: Buffer, fd: number, offset: number, length: number): number;
  /** Reads up to `length` bytes of `fd` at `offset`, for what the connection did not take at once. */
  read(fd: number, offset: number, length: number): Buffer;
}

export interface SessionOptions {
  readonly store: Store;
  readonly passwords: PasswordVerifier;
  /** SASL mechanisms in the order CAPA SASL and bare AUTH list them. */
  readonly mechanisms?: readonly AuthMechanism[];
  readonly settings?: Partial<SessionSettings>;
  /**
   * Replaces wire texts by code (the defaults are Exchange's strings): the keys of ERRORS and REPLIES. `{msn}`
   * in a text stands for the message number. Unknown keys are refused when the engine is created.
   */
  readonly texts?: Partial<Record<string, string>>;
  /**
   * Upgrades the stream to TLS for STLS. Absent: STLS is neither advertised nor accepted. The session stops reading
   * and discards buffered input before calling it, so nothing pipelined before the handshake is ever executed.
   */
  readonly startTls?: (plain: Duplex) => Promise<Duplex>;
  /** Absent: every message is read by the store and written by the session. */
  readonly fileSender?: FileSender;
  readonly hooks?: SessionHooks;
  readonly timers?: Timers;
}

export interface RunOptions {
  /** Aborting it ends the session (shutdown): an -ERR line is sent, nothing is committed. */
  readonly signal?: AbortSignal;
}

export interface SessionSummary {
  readonly user: string | undefined;
  readonly commands: number;
  readonly retrieved: number;
  readonly deleted: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Of bytesOut, those the FileSender sent straight from files. */
  readonly bytesFromFiles: number;
  /** 'quit' | 'timeout' | 'closed' | 'shutdown' | 'limit' | 'error' */
  readonly end: string;
}
