import { BenchError } from './bench-error.js';

export interface StatusLine {
  ok: boolean;
  /** The text after "+OK " or "-ERR ". */
  text: string;
}

/** Longest status line RFC 2449 allows, CRLF included. */
export const MAX_STATUS_LINE = 512;

/** Parses a status line (without CRLF): "+OK" or "-ERR", then end of line or a space. */
export function parseStatusLine(line: string): StatusLine {
  if (line.startsWith('+OK') && (line.length === 3 || line[3] === ' ')) return { ok: true, text: line.slice(4) };
  if (line.startsWith('-ERR') && (line.length === 4 || line[4] === ' ')) return { ok: false, text: line.slice(5) };
  throw new BenchError('bad-status-line', `not a status line: ${JSON.stringify(line.slice(0, 80))}`);
}
