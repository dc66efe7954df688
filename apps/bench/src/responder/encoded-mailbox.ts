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
}

/** Encodes stored messages (any line ends) into ready replies; unique-ids are 1, 2, 3… unless given. */
export function encodeMailbox(stored: readonly Buffer[], uids?: readonly string[]): EncodedMailbox {
  const sizes: number[] = [];
  const retr = stored.map((message) => {
    const wire = toWireForm(message, true);
    const unstuffed = toWireForm(message, false).length;
    sizes.push(unstuffed);
    return Buffer.concat([Buffer.from(`+OK ${unstuffed} octets\r\n`), wire, Buffer.from('.\r\n')]);
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
  };
}
