import { ERRORS } from '@poplar/session';

/**
 * The line sent before closing a connection refused at accept (MaxConnections, MaxConnectionFromSingleIP): Exchange's
 * own. No session runs on such a connection, so it is written here rather than by the session engine.
 */
export const REFUSAL_LINE = '-ERR BYE Connection refused\r\n';

/**
 * The line sent when the connection limits could not be checked in time: the engine's temporary "Server
 * Unavailable" answer ([SYS/TEMP] with ResponseCodes), so the client tries again later.
 */
export function unavailableLine(responseCodes: boolean): string {
  const { text, code } = ERRORS.POP3_ERR_AUTH_UNAVAILABLE;
  return `-ERR ${responseCodes && code !== undefined ? `[${code}] ` : ''}${text}\r\n`;
}
