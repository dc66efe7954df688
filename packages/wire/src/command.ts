/** A parsed command line. */
export interface Command {
  /** The keyword in upper case ('' for an empty line). */
  readonly keyword: string;
  /** Arguments separated by runs of SPACE or TAB (MS-STANXPOP3 2.1.1), as latin1 strings. */
  readonly args: readonly string[];
  /**
   * Everything after the keyword and the separators that follow it, untouched: PASS takes it whole as the
   * password, spaces included (V0011).
   */
  readonly rest: Buffer;
  /** True when the line holds a NUL, another control character or an octet above 0x7E outside `rest`'s text. */
  readonly hasBadOctets: boolean;
}

const SP = 0x20;
const TAB = 0x09;

const isSeparator = (octet: number | undefined): boolean => octet === SP || octet === TAB;

/**
 * Splits a command line into keyword and arguments. Keywords are case-insensitive; there is no 40-character
 * argument limit (2.1.2): the line length limit is the only one.
 */
export function parseCommand(line: Buffer): Command {
  let hasBadOctets = false;
  for (const octet of line) {
    if ((octet < 0x20 && octet !== TAB) || octet > 0x7e) {
      hasBadOctets = true;
      break;
    }
  }
  let end = 0;
  while (end < line.length && !isSeparator(line[end])) end++;
  const keyword = line.toString('latin1', 0, end).toUpperCase();
  let start = end;
  while (start < line.length && isSeparator(line[start])) start++;
  const rest = line.subarray(start);
  const args: string[] = [];
  let i = start;
  while (i < line.length) {
    let j = i;
    while (j < line.length && !isSeparator(line[j])) j++;
    args.push(line.toString('latin1', i, j));
    while (j < line.length && isSeparator(line[j])) j++;
    i = j;
  }
  return { keyword, args, rest, hasBadOctets };
}

/**
 * Parses a message number strictly: decimal digits only (no sign, no space, no garbage), no overflow, and never 0.
 * Returns the 1-based msn, or null when the argument is not a valid message number.
 */
export function parseMsn(arg: string): number | null {
  const n = parseCount(arg);
  return n === null || n === 0 ? null : n;
}

/** Parses a non-negative decimal count (TOP's line count) strictly; values beyond 2^53 are refused. */
export function parseCount(arg: string): number | null {
  if (arg.length === 0 || arg.length > 15) return null;
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return Number(arg);
}
