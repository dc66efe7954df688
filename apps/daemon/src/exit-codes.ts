import { ConfigError } from './config/config-error.js';

/** sysexits.h codes, which MTAs and scripts understand. */
export const EXIT = {
  OK: 0,
  USAGE: 64,
  /** The input is not a valid message. */
  DATAERR: 65,
  /** The input file cannot be opened. */
  NOINPUT: 66,
  NOUSER: 67,
  SOFTWARE: 70,
  CANTCREAT: 73,
  IOERR: 74,
  /** Try again later: disk full, lock timeout. */
  TEMPFAIL: 75,
  CONFIG: 78,
} as const;

/** An error that ends a command with a given exit code and a one-line message. */
export class CommandError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandError';
    this.exitCode = exitCode;
  }
}

/** The exit code a command that failed with `err` ends with. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommandError) return err.exitCode;
  return err instanceof ConfigError ? EXIT.CONFIG : EXIT.SOFTWARE;
}
