import { renderErr, renderOk } from '@poplar/wire';
import { ERRORS, type ErrorCode, type ErrorSpec } from './errors.js';
import { REPLIES, type ReplyCode } from './replies.js';

/** A key of the `texts` option: an error code or a reply code. */
export type TextKey = ErrorCode | ReplyCode;

type OkCode = Exclude<ReplyCode, 'POP3_CLOSING'>;

const MSN = '{msn}';

/**
 * The rendered wire lines, built once per engine: the error table with the `texts` overrides applied and the
 * response codes on or off. Lines without a `{msn}` are rendered ahead and shared by every session.
 */
export class Texts {
  readonly #errors = new Map<ErrorCode, Buffer>();
  readonly #templates = new Map<ErrorCode, string>();
  readonly #replies = new Map<OkCode, Buffer>();
  readonly #responseCodes: boolean;
  /** CRLF + the closing line: appended to the answer that reaches a limit. */
  readonly closing: Buffer;

  constructor(overrides: Partial<Record<string, string>> = {}, responseCodes = false) {
    for (const [key, value] of Object.entries(overrides)) {
      if (!(key in ERRORS) && !(key in REPLIES)) throw new TypeError(`Unknown session text key: ${key}`);
      if (value !== undefined && (typeof value !== 'string' || /[\x00-\x1f\x7f]/.test(value))) {
        throw new TypeError(`Session text ${key} must be a single line of text`);
      }
    }
    this.#responseCodes = responseCodes;
    for (const key of Object.keys(ERRORS) as ErrorCode[]) {
      const text = overrides[key] ?? ERRORS[key].text;
      if (text.includes(MSN)) this.#templates.set(key, text);
      else this.#errors.set(key, this.#renderErr(key, text));
    }
    for (const key of Object.keys(REPLIES) as ReplyCode[]) {
      if (key !== 'POP3_CLOSING') this.#replies.set(key, renderOk(overrides[key] ?? REPLIES[key]));
    }
    this.closing = Buffer.from(`${overrides.POP3_CLOSING ?? REPLIES.POP3_CLOSING}\r\n`);
  }

  /** The -ERR line for a code; `msn` fills the `{msn}` placeholder. */
  err(code: ErrorCode, msn?: number): Buffer {
    const ready = this.#errors.get(code);
    if (ready) return ready;
    return this.#renderErr(code, this.#templates.get(code)!.replaceAll(MSN, String(msn ?? '')));
  }

  ok(code: OkCode): Buffer {
    return this.#replies.get(code)!;
  }

  #renderErr(code: ErrorCode, text: string): Buffer {
    const spec: ErrorSpec = ERRORS[code];
    return renderErr(text, this.#responseCodes ? spec.code : undefined);
  }
}
