import { MessageEncoder } from '@poplar/wire';
import type { Session } from './session.js';

/** A store failure after the first bytes of a message were sent: the answer cannot be completed honestly. */
export class MessageStreamError extends Error {
  constructor(msn: number, options: { cause: unknown }) {
    super(`message ${msn} failed while it was being sent`, options);
    this.name = 'MessageStreamError';
  }
}

/**
 * Streams a message for RETR (`bodyLines` undefined) or TOP: `head` first, then the encoder's output chunk by
 * chunk under backpressure, then the terminator. The first chunk is read before `head` is sent, so a message that
 * is gone (read resolves null or fails at once) still gets a clean -ERR. Reading stops as soon as TOP has its lines
 * or the client goes away. Returns false when the message was gone.
 */
export async function sendMessage(
  session: Session,
  index: number,
  msn: number,
  head: Buffer,
  bodyLines?: number,
): Promise<boolean> {
  let iterator: AsyncIterator<Uint8Array>;
  let next: IteratorResult<Uint8Array>;
  try {
    const source = await session.maildrop!.read(index, session.signal);
    if (source === null) {
      await session.reject('POP3_ERR_MESSAGE_GONE', msn);
      return false;
    }
    iterator = source[Symbol.asyncIterator]();
    next = await iterator.next();
  } catch (error) {
    session.emit({ type: 'error', error });
    await session.reject('POP3_ERR_MESSAGE_GONE', msn);
    return false;
  }
  const encoder = new MessageEncoder(bodyLines === undefined ? {} : { bodyLines });
  try {
    await session.reply(head);
    while (!next.done) {
      const out = encoder.push(next.value);
      if (out.length > 0) await session.reply(out);
      if (encoder.done) break;
      try {
        next = await iterator.next();
      } catch (cause) {
        throw new MessageStreamError(msn, { cause });
      }
    }
    await session.reply(encoder.end());
  } finally {
    if (!next.done) await closeQuietly(iterator);
  }
  return true;
}

/** Stops the store's stream early (TOP done, client gone); its own failure to stop changes nothing for us. */
async function closeQuietly(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The store is being abandoned anyway.
  }
}
