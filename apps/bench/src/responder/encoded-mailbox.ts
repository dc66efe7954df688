import { toWireForm } from '../corpus/wire-form.js';

/** A maildrop with every reply already in wire form, so serving it costs one write per command. */
export interface EncodedMailbox {
  count: number;
  size: number;
  sizes: number[];
  /** The complete LIST and UIDL replies. */
  list: Buffer;
  uidl: Buffer;
  /** The complete RETR reply for each message: status line, stuffed CRLF message, terminator. */
  retr: Buffer[];
  /** For each message, where its body starts in the RETR reply and how many lines it has: TOP is cut from RETR. */
  bodies: { start: number; lines: number }[];
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const TOP_OK = Buffer.from('+OK\r\n');
const TERMINATOR = Buffer.from('.\r\n');

/** Where the body of a message in wire form starts: after the first empty line, or at the end when it has none. */
function bodyStart(wire: Buffer): number {
  if (wire[0] === 0x0d && wire[1] === 0x0a) return 2;
  const end = wire.indexOf(CRLF_CRLF);
  return end < 0 ? wire.length : end + 4;
}

function countLines(buffer: Buffer, from: number): number {
  let lines = 0;
  for (let at = buffer.indexOf(0x0a, from); at >= 0; at = buffer.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

/**
 * The reply to `TOP <msn> <lines>`: "+OK", the header, the empty line and the first `lines` lines of the body, then
 * the terminator, as slices of the RETR reply (nothing copied). Write the parts in order.
 */
export function topReply(mailbox: EncodedMailbox, index: number, lines: number): Buffer[] {
  const retr = mailbox.retr[index]!;
  const body = mailbox.bodies[index]!;
  const content = retr.indexOf(0x0a) + 1;
  if (lines >= body.lines) return [TOP_OK, retr.subarray(content)];
  let end = body.start;
  for (let line = 0; line < lines; line++) end = retr.indexOf(0x0a, end) + 1;
  return [TOP_OK, retr.subarray(content, end), TERMINATOR];
}

/** Encodes stored messages (any line ends) into ready replies; unique-ids are 1, 2, 3… unless given. */
export function encodeMailbox(stored: readonly Buffer[], uids?: readonly string[]): EncodedMailbox {
  const sizes: number[] = [];
  const bodies: EncodedMailbox['bodies'] = [];
  const retr = stored.map((message) => {
    const wire = toWireForm(message, true);
    const unstuffed = toWireForm(message, false).length;
    sizes.push(unstuffed);
    const status = Buffer.from(`+OK ${unstuffed} octets\r\n`);
    const start = bodyStart(wire);
    bodies.push({ start: status.length + start, lines: countLines(wire, start) });
    return Buffer.concat([status, wire, TERMINATOR]);
  });
  const lines = (value: (index: number) => string): Buffer =>
    Buffer.from(`+OK\r\n${sizes.map((_, i) => `${i + 1} ${value(i)}\r\n`).join('')}.\r\n`);
  return {
    count: sizes.length,
    size: sizes.reduce((sum, size) => sum + size, 0),
    sizes,
    list: lines((i) => String(sizes[i])),
    uidl: lines((i) => uids?.[i] ?? String(i + 1)),
    retr,
    bodies,
  };
}
