import { Duplex } from 'node:stream';

/**
 * One end of an in-memory connection. A write is acknowledged only when the other end's reader has room, so
 * backpressure works as over TCP: a peer that does not read makes the writer's `write()` return false.
 */
class PairEnd extends Duplex {
  peer!: PairEnd;
  #pendingWrite: (() => void) | null = null;

  override _read(): void {
    const resume = this.peer.#pendingWrite;
    this.peer.#pendingWrite = null;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Copied, as a socket's kernel buffer copies: once the write is acknowledged its memory may be used again.
    if (this.peer.destroyed || this.peer.push(Buffer.from(chunk))) callback();
    else this.#pendingWrite = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Like a reset TCP connection: the other end goes away too, unread data with it.
    this.#pendingWrite?.();
    this.#pendingWrite = null;
    if (!this.peer.destroyed) process.nextTick(() => this.peer.destroy());
    callback(error);
  }
}

export interface DuplexPairOptions {
  /** Octets each end buffers for its reader before the writer sees backpressure. Default 16 KiB. */
  readonly highWaterMark?: number;
}

/** Two connected in-memory streams: what one end writes, the other reads. */
export function createDuplexPair(options: DuplexPairOptions = {}): [Duplex, Duplex] {
  const highWaterMark = options.highWaterMark ?? 16 * 1024;
  const a = new PairEnd({ highWaterMark });
  const b = new PairEnd({ highWaterMark });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
