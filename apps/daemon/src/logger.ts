import type { Writable } from 'node:stream';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Structured logs: one JSON object per line, written with one write call. Callers pass only what may be logged: the
 * session's events never carry PASS or AUTH data, and nothing here reads them. `context` goes into every line (a
 * worker process's number).
 */
export class Logger {
  readonly #out: Writable;
  readonly #context: LogFields;

  constructor(out: Writable = process.stdout, context: LogFields = {}) {
    this.#out = out;
    this.#context = context;
    // A log reader that goes away (EPIPE) must not take the server down with it: lines are then lost.
    out.on('error', () => {});
  }

  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    const line = { time: new Date().toISOString(), level, event, ...this.#context, ...fields };
    this.#out.write(`${JSON.stringify(line, replacer)}\n`);
  }

  info(event: string, fields?: LogFields): void {
    this.log('info', event, fields);
  }

  warn(event: string, fields?: LogFields): void {
    this.log('warn', event, fields);
  }

  error(event: string, fields?: LogFields): void {
    this.log('error', event, fields);
  }
}

/** Errors become their message (and code), so a log line never dumps a stack or an object graph. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code === undefined ? value.message : `${value.message} (${code})`;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}
