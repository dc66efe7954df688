/** RFC 2449 / RFC 3206 response codes used by POP3 servers. */
export type RespCode = 'AUTH' | 'SYS/TEMP' | 'SYS/PERM' | 'IN-USE' | 'LOGIN-DELAY' | (string & {});

/** Responses are at most 512 octets including CRLF (RFC 1939 section 3, MS-STANXPOP3 C0001). */
export const MAX_RESPONSE_LENGTH = 512;

const CRLF = '\r\n';

/** Renders a single-line "+OK" response. */
export function renderOk(text?: string, code?: RespCode): Buffer {
  return render('+OK', text, code);
}

/** Renders a single-line "-ERR" response with informational text (V0001). */
export function renderErr(text?: string, code?: RespCode): Buffer {
  return render('-ERR', text, code);
}

function render(status: string, text: string | undefined, code: RespCode | undefined): Buffer {
  let line = status;
  if (code) line += ` [${clean(code)}]`;
  if (text) line += ` ${clean(text)}`;
  let out = Buffer.from(line, 'utf8');
  if (out.length > MAX_RESPONSE_LENGTH - 2) {
    // Cut on a UTF-8 character boundary so the line stays valid text.
    let cut = MAX_RESPONSE_LENGTH - 2;
    while (cut > 0 && (out[cut]! & 0xc0) === 0x80) cut--;
    out = out.subarray(0, cut);
  }
  return Buffer.concat([out, Buffer.from(CRLF)]);
}

/** Line breaks and other control characters never reach the wire inside a response text. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ');
}

/**
 * Renders a whole multi-line response: the status line, each line dot-stuffed, then the "." terminator.
 * For listings (CAPA, LIST, UIDL, AUTH): callers that may produce many lines write them in batches instead.
 */
export function renderMultiline(first: Buffer, lines: Iterable<string>): Buffer {
  const parts: string[] = [];
  for (const line of lines) parts.push(line.startsWith('.') ? `.${line}${CRLF}` : `${line}${CRLF}`);
  parts.push(`.${CRLF}`);
  return Buffer.concat([first, Buffer.from(parts.join(''), 'latin1')]);
}

/** The terminator of a multi-line response. */
export const TERMINATOR: Buffer = Buffer.from(`.${CRLF}`);
