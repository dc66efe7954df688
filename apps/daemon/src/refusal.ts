/**
 * The line sent before closing a connection refused at accept (MaxConnections, MaxConnectionFromSingleIP): Exchange's
 * own. No session runs on such a connection, so it is written here rather than by the session engine.
 */
export const REFUSAL_LINE = '-ERR BYE Connection refused\r\n';
