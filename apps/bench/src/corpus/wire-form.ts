const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/**
 * The exact size of a stored message as POP3 sends it: its bytes, plus one CR for each LF not preceded by CR, plus
 * 2 when the last line has no LF (the server ends it with CRLF).
 */
export function exactSize(stored: Buffer): number {
  let size = stored.length;
  for (let at = stored.indexOf(LF); at >= 0; at = stored.indexOf(LF, at + 1)) {
    if (at === 0 || stored[at - 1] !== CR) size++;
  }
  if (stored.length > 0 && stored[stored.length - 1] !== LF) size += 2;
  return size;
}

/**
 * A stored message in the form POP3 sends it: bare LF turned into CRLF, CRLF added after a last line without one,
 * and, with `stuff`, a "." put before every line that starts with "." (the terminator is not added).
 */
export function toWireForm(stored: Buffer, stuff: boolean): Buffer {
  const endsWithLf = stored.length === 0 || stored[stored.length - 1] === LF;
  const lineStarts: number[] = [0];
  for (let at = stored.indexOf(LF); at >= 0 && at + 1 < stored.length; at = stored.indexOf(LF, at + 1)) {
    lineStarts.push(at + 1);
  }
  const out = Buffer.allocUnsafe(exactSize(stored) + (stuff ? lineStarts.length : 0));
  let written = 0;
  for (let i = 0; i < lineStarts.length; i++) {
    const start = lineStarts[i]!;
    const next = lineStarts[i + 1] ?? stored.length;
    if (stuff && stored[start] === DOT) out[written++] = DOT;
    const hasLf = stored[next - 1] === LF;
    const contentEnd = hasLf ? (next - 2 >= start && stored[next - 2] === CR ? next - 2 : next - 1) : next;
    written += stored.copy(out, written, start, contentEnd);
    if (hasLf || !endsWithLf) {
      out[written++] = CR;
      out[written++] = LF;
    }
  }
  return out.subarray(0, written);
}
