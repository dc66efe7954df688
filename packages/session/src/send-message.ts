import { CrlfNormalizer, DotStuffer } from '@poplar/wire';
import { Interrupt } from './channel.js';
import type { MessageStream, ReadOptions, WireFile } from './contracts.js';
import type { Session } from './session.js';

/** A store failure after the first bytes of a message were sent: the answer cannot be completed honestly. */
export class MessageStreamError extends Error {
  constructor(msn: number, options: { cause: unknown }) {
    super(`message ${msn} failed while it was being sent`, options);
    this.name = 'MessageStreamError';
  }
}

const noop = (): void => {};
const FILE_WANTED: ReadOptions = Object.freeze({ file: true });

/**
 * Streams a message for RETR (`bodyLines` undefined) or TOP: `head` first, then the message chunk by chunk under
 * backpressure, then the terminator. The first chunk is read before `head` is sent, so a message that is gone (read
 * resolves null or fails at once) still gets a clean -ERR. The next chunk is read while the connection takes the
 * last one. Reading stops as soon as TOP has its lines or the client goes away. A stream that has all of the message
 * already (`whole`) is not iterated. A message the store answers with a file in wire form (when the connection can
 * take files and all of it is wanted) is sent from that file. Returns false when the message was gone.
 *
 * A stream in CRLF form goes out as views of the store's chunks, split only where a line starts with "."; stored
 * bytes are first converted to CRLF form a chunk at a time (CrlfNormalizer), then go out the same way.
 */
export async function sendMessage(
  session: Session,
  index: number,
  msn: number,
  head: Buffer,
  bodyLines?: number,
): Promise<boolean> {
  let source: MessageStream;
  let iterator: AsyncIterator<Uint8Array> | undefined;
  let next: IteratorResult<Uint8Array>;
  const channel = session.channel;
  const maildrop = session.maildrop!;
  // A line count not below the octet count cannot stop TOP early: it sends the whole message.
  const entire = bodyLines === undefined || bodyLines >= maildrop.size(index);
  try {
    const found = await maildrop.read(index, session.signal, entire && channel.canSendFile ? FILE_WANTED : undefined);
    if (found === null) {
      await session.reject('POP3_ERR_MESSAGE_GONE', msn);
      return false;
    }
    source = found;
    if (source.file !== undefined) {
      next = { done: true, value: undefined };
    } else if (source.whole === undefined) {
      iterator = source[Symbol.asyncIterator]();
      next = await iterator.next();
    } else {
      next = { done: false, value: source.whole };
    }
  } catch (error) {
    session.emit({ type: 'error', error });
    await session.reject('POP3_ERR_MESSAGE_GONE', msn);
    return false;
  }
  if (source.file !== undefined) return sendFile(session, msn, head, source.file);
  const crlf = source.form !== undefined;
  const length = crlf ? source.length : undefined;
  const stuffer = new DotStuffer({
    ...(bodyLines === undefined ? {} : { bodyLines }),
    ...(length === undefined ? {} : { length }),
    stuffed: source.form === 'stuffed',
  });
  // Stored bytes are put in CRLF form first (in one pass, by the WebAssembly kernel), then stuffed alike.
  const normalizer = crlf ? undefined : new CrlfNormalizer();
  // Queues one chunk's output; true once TOP has all its lines.
  const encode = (chunk: Uint8Array): boolean => {
    channel.queueAll(stuffer.push(normalizer === undefined ? chunk : normalizer.push(chunk)));
    return stuffer.done;
  };
  const recycle = source.recycle;
  let queued = 0;
  try {
    channel.queue(head);
    while (!next.done) {
      const chunk = next.value;
      const topDone = encode(chunk);
      if (recycle !== undefined) channel.whenWritten(() => recycle(chunk));
      queued += chunk.length;
      if (topDone || iterator === undefined) break;
      const reading = iterator.next();
      // Awaited below; a failure while the connection is being written to must not go unhandled meanwhile.
      reading.catch(noop);
      // After the last chunk the terminator is queued too, so that it goes out in the same write.
      if (queued !== length) await channel.flushIfFull();
      try {
        next = await reading;
      } catch (cause) {
        throw new MessageStreamError(msn, { cause });
      }
    }
    await session.reply(stuffer.end());
  } finally {
    if (iterator !== undefined && !next.done) await closeQuietly(iterator);
  }
  return true;
}

/** Sends a message's wire form from its file; the file is closed whatever happens. */
async function sendFile(session: Session, msn: number, head: Buffer, file: WireFile): Promise<true> {
  try {
    await session.channel.sendFile(head, file);
  } catch (error) {
    if (error instanceof Interrupt) throw error;
    throw new MessageStreamError(msn, { cause: error });
  } finally {
    file.close();
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
