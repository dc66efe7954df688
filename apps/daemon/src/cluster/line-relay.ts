import type { Readable, Writable } from 'node:stream';

const LF = Buffer.from('\n');

/**
 * Copies a child process's output to `out` one whole line per write call, so lines from several processes sharing
 * `out` never interleave, however long they are. A line longer than `maxLine` octets is passed on in pieces of that
 * size (memory stays bounded); a last line without its newline gets one. A slow `out` slows the child down; a
 * dead one (its reader gone) drops the lines. Resolves when `from` has closed.
 */
export function relayLines(from: Readable, out: Writable, maxLine = 1024 * 1024): Promise<void> {
  let partial: Buffer[] = [];
  let partialSize = 0;
  const wake = (): void => {
    out.off('drain', wake);
    out.off('close', wake);
    from.resume();
  };
  const write = (line: Buffer): void => {
    // Nobody reads the logs any more (EPIPE): lines are dropped, and the child is never held up by it.
    if (out.destroyed) return;
    if (!out.write(line) && !from.isPaused()) {
      from.pause();
      out.on('drain', wake);
      out.on('close', wake);
    }
  };
  const flush = (tail: Buffer): void => {
    write(partialSize === 0 ? tail : Buffer.concat([...partial, tail]));
    partial = [];
    partialSize = 0;
  };
  from.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      flush(chunk.subarray(start, end + 1));
      start = end + 1;
    }
    if (start === chunk.length) return;
    partial.push(chunk.subarray(start));
    partialSize += chunk.length - start;
    if (partialSize >= maxLine) flush(LF);
  });
  return new Promise((resolve) => {
    from.once('close', () => {
      if (partialSize > 0) flush(LF);
      resolve();
    });
  });
}
