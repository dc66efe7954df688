import type { ErrorCode } from '../errors.js';
import type { Session, SessionState } from '../session.js';

/**
 * The argument shapes the dispatcher checks before a handler runs:
 * - 'none': no argument; 'word': exactly one; 'any': whatever the client sent;
 * - 'rest': the whole rest of the line, spaces included (PASS, V0011), not empty;
 * - 'msn': one message number of a message that exists and is not deleted; 'msn?': that, or nothing;
 * - 'msn count': a message number and a line count (TOP);
 * - 'auth': a mechanism name and an optional initial response, or nothing (the mechanism listing).
 */
export type ArgShape = 'none' | 'word' | 'any' | 'rest' | 'msn' | 'msn?' | 'msn count' | 'auth';

/** What a handler receives, already checked. */
export interface CommandInput {
  readonly args: readonly string[];
  /** The raw rest of the line after the keyword and its separators. */
  readonly rest: Buffer;
  /** The message, when the shape has one: its 0-based index and its wire number. */
  readonly index: number;
  readonly msn: number;
  /** TOP's line count. */
  readonly count: number;
}

/** One row of the command table. Handlers never check the state: the dispatcher did. */
export interface CommandSpec {
  readonly name: string;
  readonly states: readonly SessionState[];
  readonly args: ArgShape;
  /** Refuses the command on this connection for a reason other than the state: LoginType, STLS availability. */
  readonly refuse?: (session: Session) => ErrorCode | undefined;
  run(session: Session, input: CommandInput): Promise<void>;
}

export const PRE_AUTH: readonly SessionState[] = ['AUTHORIZATION', 'AUTHORIZATION_USER'];
export const TRANSACTION: readonly SessionState[] = ['TRANSACTION'];
export const ANY_STATE: readonly SessionState[] = ['AUTHORIZATION', 'AUTHORIZATION_USER', 'TRANSACTION'];
