import type { Duplex } from 'node:stream';
import type { WireFile } from '../contracts.js';
import type { FileSender } from '../options.js';

export interface MemoryFileSenderOptions {
  /** Most bytes one sendNow() hands over, as a connection with little room would take. Default: all of them. */
  readonly takeAtMost?: number;
  /** Which streams can take files. Default: all. */
  readonly canSend?: (stream: Duplex) => boolean;
}

/** What the sender did, for assertions. */
export interface MemoryFileSenderStats {
  /** sendNow() calls, and the bytes they handed over. */
  sendNowCalls: number;
  bytesSent: number;
  /** read() calls: pieces that went through the stream because the connection did not take them at once. */
  reads: number;
}

/**
 * A FileSender over "files" held in memory: a memory store answers reads with them (MemoryStoreOptions.wireFiles),
 * and sendNow() writes their bytes to the stream. Descriptors are made-up numbers, never real ones.
 */
export interface MemoryFileSender extends FileSender {
  readonly stats: MemoryFileSenderStats;
  /** Files opened and not yet closed. */
  readonly openFiles: number;
  /** A file holding `bytes`, to be followed by `tail`; closing it twice throws. */
  open(bytes: Uint8Array, tail?: Buffer): WireFile;
  /** Makes the next sendNow() throw, as a reset connection does. */
  failNextSend(error?: Error): void;
}

export function createMemoryFileSender(options: MemoryFileSenderOptions = {}): MemoryFileSender {
  const files = new Map<number, Buffer>();
  const stats: MemoryFileSenderStats = { sendNowCalls: 0, bytesSent: 0, reads: 0 };
  let nextFd = 1000;
  let failure: Error | undefined;

  const bytesOf = (fd: number): Buffer => {
    const bytes = files.get(fd);
    if (bytes === undefined) throw Object.assign(new Error(`EBADF: ${fd} is not open`), { code: 'EBADF' });
    return bytes;
  };

  return {
    stats,
    get openFiles() {
      return files.size;
    },
    open(bytes, tail) {
      const fd = nextFd++;
      files.set(fd, Buffer.from(bytes));
      return {
        fd,
        length: bytes.length,
        tail,
        close: () => {
          if (!files.delete(fd)) throw new Error(`file ${fd} closed twice`);
        },
      };
    },
    failNextSend(error = Object.assign(new Error('ECONNRESET: connection reset by peer'), { code: 'ECONNRESET' })) {
      failure = error;
    },
    canSend: (stream) => options.canSend?.(stream) ?? true,
    sendNow(stream, head, fd, offset, length) {
      stats.sendNowCalls++;
      if (failure !== undefined) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      const data = Buffer.concat([head, bytesOf(fd).subarray(offset, offset + length)]);
      const taken = Math.min(data.length, options.takeAtMost ?? data.length);
      if (taken > 0) stream.write(data.subarray(0, taken));
      stats.bytesSent += taken;
      return taken;
    },
    read(fd, offset, length) {
      stats.reads++;
      return Buffer.from(bytesOf(fd).subarray(offset, offset + length));
    },
  };
}
