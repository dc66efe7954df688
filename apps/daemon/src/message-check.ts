import { Splitter } from 'mailsplit';

/** The input is not an RFC 822 message. */
export class MessageFormatError extends Error {
  override readonly name = 'MessageFormatError';
}

/** The header section may not grow past this (mailsplit's own bound). */
export const MAX_HEADER_BYTES = 1024 * 1024;

const FIELD = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

/**
 * Checks a header section: one or more header fields (a name of printable ASCII other than ":", then ":"), each
 * possibly folded onto continuation lines that start with a space or tab, ending with a blank line or the end of the
 * message. Throws a MessageFormatError that says which line is wrong.
 */
export function checkHeaderSection(header: Uint8Array): void {
  const lines = Buffer.from(header).toString('latin1').split('\n');
  let fields = 0;
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      if (i === lines.length - 1 || lines.slice(i + 1).every((rest) => rest === '' || rest === '\r')) break;
      throw new MessageFormatError(`header line ${i + 1} is empty but the header section goes on`);
    }
    if (line.includes('\0')) throw new MessageFormatError(`header line ${i + 1} contains a NUL byte`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (fields === 0) throw new MessageFormatError('the message starts with a continuation line, not a header field');
      continue;
    }
    if (!FIELD.test(line)) {
      const shown = JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}...` : line);
      throw new MessageFormatError(`header line ${i + 1} is not a header field ("Name: value"): ${shown}`);
    }
    fields += 1;
  }
  if (fields === 0) throw new MessageFormatError('the message has no header fields');
}

interface SplitterNode {
  readonly type: string;
  getHeaders(): Buffer;
}

/**
 * Reads `source` until the end of its header section (found with mailsplit's Splitter), checks that section, and
 * returns the whole message again as a stream: the part already read, then the rest of `source`. Memory stays
 * bounded by the header size. Throws a MessageFormatError for input that is not a message.
 */
export async function checkedMessage(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let header: Buffer | undefined;
  const splitter = new Splitter({ maxHeadSize: MAX_HEADER_BYTES });
  splitter.on('data', (part: SplitterNode) => {
    if (part.type === 'node' && header === undefined) header = part.getHeaders();
  });
  const failed = new Promise<never>((_, reject) => {
    splitter.once('error', (err: Error) =>
      reject(new MessageFormatError(`cannot read the header section: ${err.message}`)),
    );
  });
  failed.catch(() => {});
  const write = (chunk: Uint8Array): Promise<void> =>
    Promise.race([new Promise<void>((resolve) => splitter.write(chunk, () => resolve())), failed]);
  try {
    let ended = false;
    while (header === undefined) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        await Promise.race([new Promise<void>((resolve) => splitter.end(() => resolve())), failed]);
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
      await write(next.value);
    }
    if (headBytes === 0) throw new MessageFormatError('the message is empty');
    if (header === undefined) throw new MessageFormatError('the header section has no end');
    checkHeaderSection(header);
    return (async function* () {
      yield* head;
      if (!ended) for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })();
  } catch (err) {
    await iterator.return?.();
    throw err;
  } finally {
    splitter.destroy();
  }
}
