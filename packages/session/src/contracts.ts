/**
 * The contracts between the session engine and what plugs into it: the user database, SASL mechanisms and the
 * message store. Plugins implement these; the session never imports a plugin.
 */

/** What the session knows about the transport. The host (the daemon) fills it in. */
export interface ConnectionInfo {
  /** Short unique id for logs. */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** True when the connection is encrypted (implicit TLS, or after STLS). */
  readonly secure: boolean;
}

/** An authenticated user. `user` names the mailbox owner in the user database. */
export interface Identity {
  readonly user: string;
  /** 'USER' for USER/PASS, otherwise the SASL mechanism name. */
  readonly mechanism: string;
}

export interface AuthContext {
  readonly connection: ConnectionInfo;
  /** Aborted when the connection goes away: stop work and release resources. */
  readonly signal: AbortSignal;
}

/**
 * Why a login did not succeed. 'credentials' covers unknown user, wrong password and disabled account alike (the
 * client must not learn which); 'temporary' is a server-side problem (user store or KDC down).
 */
export type AuthFailureReason = 'credentials' | 'temporary';

export type VerifyResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: AuthFailureReason };

/** Backs USER/PASS and SASL PLAIN. Must do the same work for an unknown user as for a wrong password. */
export interface PasswordVerifier {
  verify(user: string, password: string, ctx: AuthContext): Promise<VerifyResult>;
}

/** One step of a SASL exchange, as the mechanism sees it. The session owns base64, "+ " framing and limits. */
export type AuthStep =
  | { readonly kind: 'challenge'; readonly data: Uint8Array }
  | { readonly kind: 'success'; readonly identity: Identity }
  | { readonly kind: 'failure'; readonly reason: AuthFailureReason };

/** One AUTH attempt. */
export interface AuthExchange {
  /**
   * Feeds the client's decoded response. For a client-first mechanism the first call carries the initial response
   * (from the AUTH line, or the line sent after the session's empty "+ " challenge). For a server-first mechanism
   * the first call is step(null).
   */
  step(response: Uint8Array): Promise<AuthStep>;
  step(response: null): Promise<AuthStep>;
  /** Called exactly once, whatever the outcome (success, failure, "*" cancel, disconnect, timeout). */
  dispose(): void;
}

/** A SASL mechanism plugin (RFC 5034). One object per server, one exchange per AUTH attempt. */
export interface AuthMechanism {
  /** Upper-case SASL name as shown in CAPA SASL: 'NTLM', 'GSSAPI', 'PLAIN'. */
  readonly name: string;
  /** True when the mechanism carries a password in the clear: LoginType decides where it is usable. */
  readonly plaintext: boolean;
  /** True when the client speaks first (PLAIN, NTLM, GSSAPI). */
  readonly clientFirst: boolean;
  /** False when the mechanism cannot work right now (e.g. its native part failed to load): left out of CAPA. */
  readonly available?: boolean;
  start(ctx: AuthContext): AuthExchange;
}

export interface StoreContext {
  readonly connection: ConnectionInfo;
  readonly signal: AbortSignal;
}

/**
 * A maildrop snapshot, fixed when the session logs in (MS-STANXPOP3 C0004). `index` is 0-based; the wire number
 * (msn) is index + 1. Listings are read through accessors so a store can keep them in typed arrays.
 */
export interface Maildrop {
  readonly count: number;
  /** UIDL of the message: 1-70 characters in 0x21-0x7E, stable across sessions. */
  uid(index: number): string;
  /** Size reported by STAT and LIST (exact CRLF octets, or storage size when configured so). */
  size(index: number): number;
  /**
   * The stored bytes of a message, streamed (LF or CRLF line ends; the session encodes them for the wire).
   * Resolves null when the message has been removed behind the session's back. Any AsyncIterable will do; a
   * MessageStream can tell the session that the bytes are already in CRLF form, or already dot-stuffed.
   */
  read(index: number, signal: AbortSignal, options?: ReadOptions): Promise<MessageStream | null>;
  /** UPDATE state: remove exactly these messages. May be partial on error (V0006), never removes others. */
  commit(deleted: readonly number[]): Promise<void>;
  /** End of session without changes, or after commit. Idempotent. */
  release(): Promise<void>;
}

/** What the session can take from Maildrop.read() besides a stream. */
export interface ReadOptions {
  /**
   * The connection can be sent a file without the session reading it (SessionOptions.fileSender), and all of the
   * message is wanted: the store may answer with MessageStream.file.
   */
  readonly file?: boolean;
}

/**
 * The whole answer body of a message in an open file, in wire form: CRLF line ends, every line-start "." doubled,
 * ending with the "." CRLF terminator. The session sends bytes [0, length) of it as they are, then `tail`, and
 * closes it.
 */
export interface WireFile {
  readonly fd: number;
  readonly length: number;
  /** Bytes that follow the file's: the terminator, when the file is a message without line-start dots as stored. */
  readonly tail?: Buffer | undefined;
  /** Called once by the session when it is done with the file, whether it sent it or not. */
  close(): void;
}

/**
 * A message as Maildrop.read() streams it: chunks of the stored bytes, plus what the store knows about them.
 *
 * `form: 'crlf'` promises that the bytes have no bare LF and end with CRLF (or that there are none): they already
 * are the octets LIST counts, so only dot-stuffing is left and the session hands the chunks to the connection
 * without copying them. The session may then hold a chunk until the connection has written it, so a store must not
 * reuse a chunk's memory once it has yielded it.
 *
 * `length`: how many octets the stream yields (at most), when the store knows it; TOP with a line count at least
 * this large then sends the message without counting lines.
 */
export interface MessageStream extends AsyncIterable<Uint8Array> {
  /** 'stuffed': CRLF form with every line-start "." doubled already (no terminator); only TOP counts lines in it. */
  readonly form?: 'crlf' | 'stuffed';
  readonly length?: number | undefined;
  /**
   * All of the message, when the store has already read it: the session sends these bytes and does not iterate the
   * stream. They follow `form` like the chunks would, and `recycle` is called for them.
   */
  readonly whole?: Uint8Array | undefined;
  /**
   * Called once for each chunk the stream yielded, after the connection is done with it: the store may then reuse
   * its memory. Never called for a chunk that was not written (the send failed, or the chunk was read ahead and not
   * needed): the garbage collector has it then.
   */
  readonly recycle?: ((chunk: Uint8Array) => void) | undefined;
  /** Only when ReadOptions.file asked for it: the session sends this file and does not iterate the stream. */
  readonly file?: WireFile | undefined;
}

export interface Store {
  /** Takes a snapshot of the identity's maildrop. Throws a StoreError when it cannot. */
  open(identity: Identity, ctx: StoreContext): Promise<Maildrop>;
}

/** Thrown by a store: 'temporary' maps to [SYS/TEMP], 'permanent' to [SYS/PERM], 'in-use' to [IN-USE]. */
export class StoreError extends Error {
  readonly kind: 'temporary' | 'permanent' | 'in-use';
  constructor(kind: 'temporary' | 'permanent' | 'in-use', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
  }
}
