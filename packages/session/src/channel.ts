import type { Duplex } from 'node:stream';
import { type LineEvent, LineReader } from '@poplar/wire';
import type { WireFile } from './contracts.js';
import { joinPieces, releaseJoined } from './joined-pieces.js';
import type { FileSender, Timers } from './options.js';

/** Why the session stopped waiting on the client. */
export type InterruptReason = 'eof' | 'closed' | 'timeout' | 'shutdown';

/** Thrown out of a wait on the client; the session turns it into the end of the session. */
export class Interrupt extends Error {
  readonly reason: InterruptReason;
  /** True when a response (or the TLS handshake) was under way: no further line can be sent honestly. */
  readonly midResponse: boolean;

  constructor(reason: InterruptReason, midResponse: boolean) {
    super(`session interrupted: ${reason}`);
    this.name = 'Interrupt';
    this.reason = reason;
    this.midResponse = midResponse;
  }
}

/** Output is gathered into writes of at least this size (small answers of pipelined commands, message pieces). */
const FLUSH_AT = 64 * 1024;
/** Queued pieces averaging less than this are joined into one buffer; larger ones go out in one vectored write. */
const JOIN_BELOW = 2048;
/** Most input taken from the stream at once: the line reader never holds more than this plus one line. */
const READ_AT_MOST = 64 * 1024;
/** What a sent file's remainder is read in, when the connection did not take all of it at once. */
const FILE_PIECE = 256 * 1024;
const EMPTY = Buffer.alloc(0);
/** How long a graceful close may wait for the client to take the last bytes before the stream is destroyed. */
const CLOSE_GRACE_MS = 10_000;

const noop = (): void => {};

/** A timer that wakes the waiting session when it fires. */
interface Deadline {
  readonly fired: boolean;
  stop(): void;
}

export interface ChannelOptions {
  readonly maxLineLength: number;
  readonly timers: Timers;
  readonly fileSender?: FileSender | undefined;
  readonly signal: AbortSignal | undefined;
  /** Called once when the stream closes or fails, so in-flight work can be aborted at once. */
  readonly onClosed: () => void;
}

/**
 * The session's side of the stream. Input is pulled: a chunk is read only when no complete line is buffered, so
 * nothing is parsed while a response is being written and unread input stays in the stream (TCP backpressure).
 * Output is queued and written in batches; a write that the stream refuses waits for 'drain'. Every wait on the
 * client runs the inactivity timer and ends early when the stream closes or the host shuts the session down.
 */
export class Channel {
  readonly reader: LineReader;
  /** Inactivity limit for the current state (pre-authenticated or authenticated). */
  idleTimeoutMs = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** Of bytesOut, those sent straight from files (sendFile). */
  bytesFromFiles = 0;

  #stream: Duplex | null = null;
  /** The file sender, while the current stream can take files. */
  #fileSender: FileSender | undefined;
  #queue: Buffer[] = [];
  #queued = 0;
  /** Called once the queue as it is now has been written (see whenWritten). */
  #afterWrite: (() => void)[] = [];
  #eof = false;
  #closed = false;
  #shutdown = false;
  #wake: (() => void) | null = null;
  readonly #timers: Timers;
  readonly #sender: FileSender | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onClosed: () => void;

  readonly #notify = (): void => {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };
  readonly #onEnd = (): void => {
    this.#eof = true;
    this.#notify();
  };
  readonly #onClose = (): void => {
    if (!this.#closed) {
      this.#closed = true;
      this.#onClosed();
    }
    this.#notify();
  };
  readonly #onAbort = (): void => {
    this.#shutdown = true;
    this.#notify();
  };

  constructor(stream: Duplex, options: ChannelOptions) {
    this.reader = new LineReader({ maxLineLength: options.maxLineLength });
    this.#timers = options.timers;
    this.#sender = options.fileSender;
    this.#signal = options.signal;
    this.#onClosed = options.onClosed;
    this.#shutdown = options.signal?.aborted ?? false;
    options.signal?.addEventListener('abort', this.#onAbort);
    this.attach(stream);
  }

  get shuttingDown(): boolean {
    return this.#shutdown;
  }

  attach(stream: Duplex): void {
    this.#stream = stream;
    this.#fileSender = this.#sender?.canSend(stream) === true ? this.#sender : undefined;
    this.#eof = stream.readableEnded;
    // A stream error after the session has let go of the stream must not crash the process.
    stream.on('error', noop);
    stream.on('readable', this.#notify);
    stream.on('drain', this.#notify);
    stream.on('finish', this.#notify);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onClose);
    stream.on('error', this.#onClose);
    if (stream.destroyed) this.#onClose();
  }

  /** Lets go of the stream without reading from it again (STLS hands it to the TLS layer). */
  detach(): Duplex {
    const stream = this.#stream!;
    stream.off('readable', this.#notify);
    stream.off('drain', this.#notify);
    stream.off('finish', this.#notify);
    stream.off('end', this.#onEnd);
    stream.off('close', this.#onClose);
    stream.off('error', this.#onClose);
    this.#stream = null;
    this.#fileSender = undefined;
    return stream;
  }

  /** The next line from the client; written answers are flushed first when the client has to be waited for. */
  async readLine(): Promise<LineEvent> {
    this.#check(false);
    const ready = this.#take();
    if (ready) return ready;
    await this.flush();
    let deadline: Deadline | undefined;
    try {
      for (;;) {
        this.#check(false);
        const event = this.#take();
        if (event) return event;
        if (this.#eof) throw new Interrupt('eof', false);
        if (deadline?.fired) throw new Interrupt('timeout', false);
        deadline ??= this.#deadline(this.idleTimeoutMs);
        await this.#next();
      }
    } finally {
      deadline?.stop();
    }
  }

  /**
   * Throws away every byte received so far, in the line reader and in the stream (STLS: nothing the client sent
   * before the handshake may be executed afterwards).
   */
  discardInput(): void {
    this.reader.clear();
    const stream = this.#stream!;
    for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) this.bytesIn += chunk.length;
  }

  /** Queues output; writes it once enough has gathered. */
  async send(data: Buffer): Promise<void> {
    this.queue(data);
    await this.flushIfFull();
  }

  /**
   * Queues output without writing it yet. The buffers are written as they are, without a copy when they are large:
   * their memory must stay unchanged until then.
   */
  queue(data: Buffer): void {
    if (data.length === 0) return;
    this.#queue.push(data);
    this.#queued += data.length;
    this.bytesOut += data.length;
  }

  /**
   * Calls `written` once every buffer queued so far has been written and the stream is done with it, so its memory
   * may be reused: with the next write, which the stream completes after all earlier ones. Never called when the
   * write fails or none follows; those buffers are left to the garbage collector.
   */
  whenWritten(written: () => void): void {
    this.#afterWrite.push(written);
  }

  /** queue() for each piece, in order. */
  queueAll(pieces: readonly Buffer[]): void {
    for (const piece of pieces) this.queue(piece);
  }

  /** Whether sendFile() can be used on the current stream. */
  get canSendFile(): boolean {
    return this.#fileSender !== undefined;
  }

  /**
   * Writes what is queued, then `head` and the file, through the file sender (canSendFile must be true): straight
   * from the file to the connection while it takes them; when it is full, the next piece is read and goes through
   * the stream, whose drain says when the connection takes more. The file's `tail` is queued after it.
   */
  async sendFile(head: Buffer, file: WireFile): Promise<void> {
    const sender = this.#fileSender!;
    await this.flush();
    const { fd, length } = file;
    const total = head.length + length;
    let sent = 0;
    while (sent < total) {
      this.#check(true);
      const stream = this.#stream!;
      if (stream.writableLength === 0) {
        const offset = Math.max(0, sent - head.length);
        let went: number;
        try {
          went = sender.sendNow(stream, sent < head.length ? head.subarray(sent) : EMPTY, fd, offset, length - offset);
        } catch {
          stream.destroy();
          throw new Interrupt('closed', true);
        }
        sent += went;
        this.bytesOut += went;
        this.bytesFromFiles += went;
        if (sent === total) break;
      }
      // The connection took only part: the next piece goes through the stream.
      const offset = Math.max(0, sent - head.length);
      if (sent < head.length) this.queue(head.subarray(sent));
      const piece = sender.read(fd, offset, Math.min(FILE_PIECE, length - offset));
      // Shorter than its length said: the answer cannot be completed honestly.
      if (piece.length === 0) throw new Error(`the file ended ${length - offset} bytes early`);
      this.queue(piece);
      sent = head.length + offset + piece.length;
      await this.flush();
    }
    // Goes out with whatever is written next (the next answer, or before the next wait on the client).
    if (file.tail !== undefined) this.queue(file.tail);
  }

  /** Writes the queued output once enough has gathered. */
  async flushIfFull(): Promise<void> {
    if (this.#queued >= FLUSH_AT) await this.flush();
  }

  /** Writes the queued output, waiting for 'drain' when the stream asks for it. */
  async flush(): Promise<void> {
    if (this.#queued === 0) return;
    this.#check(true);
    const stream = this.#stream!;
    if (!this.#writeQueue(stream)) await this.#drain(stream);
  }

  /**
   * Waits without reading input (the failed-login delay), after writing the answers already queued; only a closed
   * connection cuts it short.
   */
  async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    await this.flush();
    const deadline = this.#deadline(ms);
    try {
      while (!deadline.fired) {
        if (this.#closed) throw new Interrupt('closed', false);
        await this.#next();
      }
    } finally {
      deadline.stop();
    }
  }

  /**
   * Hands the stream to an asynchronous upgrade (the TLS handshake) and continues on the stream it returns. The
   * inactivity timer and a shutdown cut a handshake short; the plain stream is then destroyed.
   */
  async upgrade(start: (plain: Duplex) => Promise<Duplex>): Promise<void> {
    const plain = this.detach();
    let outcome: { readonly stream: Duplex } | { readonly error: unknown } | undefined;
    let abandoned = false;
    // A start function that throws at once is treated like a failed handshake.
    Promise.resolve(plain)
      .then(start)
      .then(
        (stream) => {
          if (abandoned) stream.destroy();
          outcome = { stream };
          this.#notify();
        },
        (error: unknown) => {
          outcome = { error };
          this.#notify();
        },
      );
    const deadline = this.#deadline(this.idleTimeoutMs);
    try {
      while (outcome === undefined) {
        if (deadline.fired || this.#shutdown) {
          abandoned = true;
          plain.destroy();
          throw new Interrupt(deadline.fired ? 'timeout' : 'shutdown', true);
        }
        await this.#next();
      }
    } finally {
      deadline.stop();
    }
    if ('error' in outcome) {
      plain.destroy();
      throw outcome.error;
    }
    this.attach(outcome.stream);
  }

  /**
   * Ends the session's side gracefully: writes what is queued and `last`, ends the stream and waits (within a
   * grace period) until the bytes are handed over, then destroys the stream if they were not.
   */
  async close(last?: Buffer): Promise<void> {
    const stream = this.#stream;
    if (!stream || this.#closed || stream.destroyed) return;
    if (last) this.queue(last);
    if (this.#queue.length > 0) this.#writeQueue(stream);
    stream.end();
    const deadline = this.#deadline(CLOSE_GRACE_MS);
    try {
      while (!stream.writableFinished && !this.#closed && !deadline.fired) await this.#next();
    } finally {
      deadline.stop();
    }
    if (deadline.fired) stream.destroy();
  }

  destroy(): void {
    this.#stream?.destroy();
  }

  /** Stops listening to the host's shutdown signal. */
  dispose(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  #check(midResponse: boolean): void {
    if (this.#closed || !this.#stream || this.#stream.destroyed) throw new Interrupt('closed', midResponse);
    if (this.#shutdown) throw new Interrupt('shutdown', midResponse);
  }

  /** A complete line (or an over-long line report) if the buffered input holds one; reads the stream as needed. */
  #take(): LineEvent | null {
    const stream = this.#stream!;
    for (;;) {
      const event = this.reader.read();
      if (event) return event;
      const available = stream.readableLength;
      const chunk: Buffer | string | null =
        available === 0 ? stream.read() : stream.read(Math.min(available, READ_AT_MOST));
      if (chunk === null) return null;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.bytesIn += bytes.length;
      this.reader.push(bytes);
    }
  }

  /**
   * Writes and empties the queue: one buffer as it is, many small ones joined into one (pooled, see joinPieces),
   * large ones corked into a single vectored write (no copy). False when the stream asks the writer to wait for 'drain'.
   */
  #writeQueue(stream: Duplex): boolean {
    const queue = this.#queue;
    const queued = this.#queued;
    const afterWrite = this.#afterWrite;
    this.#queue = [];
    this.#queued = 0;
    this.#afterWrite = [];
    // A stream completes writes in order: when the last one is done, so are the ones before it.
    const done =
      afterWrite.length === 0
        ? undefined
        : (error?: Error | null) => {
            if (!error) for (const written of afterWrite) written();
          };
    if (queue.length === 1) return stream.write(queue[0]!, done);
    if (queued < queue.length * JOIN_BELOW) {
      const joined = joinPieces(queue, queued);
      return stream.write(joined, (error?: Error | null) => {
        // A failed write may still be referenced by the stream: its buffer is left to the garbage collector.
        if (!error) releaseJoined(joined);
        done?.(error);
      });
    }
    stream.cork();
    let ok = true;
    for (const [i, piece] of queue.entries()) ok = stream.write(piece, i === queue.length - 1 ? done : undefined);
    stream.uncork();
    return ok;
  }

  /** Waits for 'drain'; each wait gets a fresh inactivity timer, so a slow reader that makes progress is kept. */
  async #drain(stream: Duplex): Promise<void> {
    const deadline = this.#deadline(this.idleTimeoutMs);
    try {
      while (stream.writableNeedDrain) {
        this.#check(true);
        if (deadline.fired) throw new Interrupt('timeout', true);
        await this.#next();
      }
    } finally {
      deadline.stop();
    }
  }

  #deadline(ms: number): Deadline {
    const timers = this.#timers;
    const deadline = {
      fired: false,
      stop: () => timers.clearTimeout(handle),
    };
    const handle = timers.setTimeout(() => {
      deadline.fired = true;
      this.#notify();
    }, ms);
    return deadline;
  }

  #next(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}
