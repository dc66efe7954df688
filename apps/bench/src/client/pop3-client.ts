import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { BenchError, errorKind } from '../protocol/bench-error.js';
import { ChecksumChecker } from '../protocol/checksum-checker.js';
import { type Listing, ListingReader } from '../protocol/listing-reader.js';
import type { ReplyReader } from '../protocol/reply-reader.js';
import { RetrReader, type RetrReply } from '../protocol/retr-reader.js';
import type { StatusLine } from '../protocol/status-line.js';
import { StatusReader } from '../protocol/status-reader.js';

export type TlsMode = 'none' | 'implicit' | 'starttls';
export type AuthMode = 'user' | 'plain';
/** How a whole message is fetched: RETR, or TOP with a line count no message reaches (as fetchmail does). */
export type FetchCommand = 'retr' | 'top';

/** TOP's body-line count when it fetches a whole message. */
export const TOP_ALL_LINES = 99_999_999;

export interface ServerAddress {
  host: string;
  port: number;
  tls: TlsMode;
  /** Check the server's certificate (off by default: benchmarks run against self-signed test certificates). */
  tlsVerify?: boolean;
  /** Inactivity limit while waiting for a reply; the command then fails with 'timeout'. */
  timeoutMs: number;
}

/**
 * Where a client reports what it measures. Latencies are in microseconds, from the write to the reply's end; `at`
 * is when that end came (Date.now()).
 */
export interface ClientObserver {
  received(bytes: number): void;
  latency(command: string, micros: number, at?: number): void;
}

/** A fetched message and when its reply ended, the instant its latency was recorded at. */
export interface FetchedReply extends RetrReply {
  readonly at: number;
}

interface Pending {
  name: string;
  reader: ReplyReader<unknown>;
  sentAt: number;
  resolve(value: unknown): void;
  reject(error: BenchError): void;
}

const NO_OBSERVER: ClientObserver = { received() {}, latency() {} };

/**
 * One read buffer for every plain connection of a thread: Node reads into it and the client parses it before the
 * next read, keeping nothing of it, so no buffer is allocated per read and idle connections cost no buffer at all.
 */
let sharedReadBuffer: Buffer | undefined;
const READ_BUFFER_SIZE = 256 * 1024;

/**
 * A POP3 client that sends one command at a time and validates every reply. Its one data handler hands each chunk
 * to the reader of the command in flight; bytes that arrive with no command in flight are an error.
 */
export class Pop3Client {
  #socket: Socket;
  #pending: Pending | undefined;
  #failure: BenchError | undefined;
  /** When the last reply ended (Date.now()). */
  #lastReplyAt = 0;
  #checksum = new ChecksumChecker();
  #onData = (chunk: Buffer): void => this.#data(chunk);
  #onError = (error: Error): void => this.#fail(new BenchError(errorKind(error), error.message));
  #onClose = (): void => this.#fail(new BenchError('closed', 'connection closed by the server'));
  #onTimeout = (): void => {
    if (this.#pending === undefined) return;
    this.#fail(new BenchError('timeout', `no reply to ${this.#pending.name} in time`));
    this.#socket.destroy();
  };

  private constructor(
    socket: Socket,
    private readonly observer: ClientObserver,
  ) {
    this.#socket = socket;
    this.#attach(socket);
  }

  /** Connects and reads the greeting (recorded as CONNECT); STLS is negotiated here when asked for. */
  static async connect(address: ServerAddress, observer: ClientObserver = NO_OBSERVER): Promise<Pop3Client> {
    const options = { host: address.host, port: address.port };
    let client: Pop3Client | undefined;
    let socket: Socket;
    if (address.tls === 'implicit') {
      socket = tlsConnect({ ...options, rejectUnauthorized: address.tlsVerify ?? false });
    } else if (address.tls === 'starttls') {
      socket = netConnect(options);
    } else {
      sharedReadBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
      const onread = {
        buffer: sharedReadBuffer,
        callback: (n: number, buffer: Uint8Array): boolean => {
          if (client !== undefined) client.#data((buffer as Buffer).subarray(0, n));
          return true;
        },
      };
      socket = netConnect({ ...options, onread });
    }
    socket.setNoDelay(true);
    socket.setTimeout(address.timeoutMs);
    client = new Pop3Client(socket, observer);
    try {
      const greeting = await client.#expect<StatusLine>('CONNECT', undefined, new StatusReader());
      if (!greeting.ok) throw new BenchError('greeting', `greeting is -ERR: ${greeting.text}`);
      if (address.tls === 'starttls') await client.#startTls(address);
    } catch (error) {
      client.destroy();
      throw error;
    }
    return client;
  }

  /** Whether the connection has failed; every later command is then rejected with the same error. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  async login(user: string, password: string, auth: AuthMode): Promise<void> {
    if (auth === 'plain') {
      const initial = Buffer.from(`\0${user}\0${password}`).toString('base64');
      await this.#ok('AUTH', `AUTH PLAIN ${initial}`);
      return;
    }
    await this.#ok('USER', `USER ${user}`);
    await this.#ok('PASS', `PASS ${password}`);
  }

  async stat(): Promise<{ count: number; size: number }> {
    const status = await this.#ok('STAT', 'STAT');
    const match = /^(\d+) (\d+)/.exec(status.text);
    if (match === null) throw new BenchError('bad-listing', `bad STAT reply: ${status.text}`);
    return { count: Number(match[1]), size: Number(match[2]) };
  }

  list(): Promise<Listing> {
    return this.#listing('LIST');
  }

  uidl(): Promise<Listing> {
    return this.#listing('UIDL');
  }

  retr(msn: number, expectedSize: number, requireChecksum = false): Promise<FetchedReply> {
    return this.fetch('retr', msn, expectedSize, requireChecksum);
  }

  /**
   * Fetches a whole message with `RETR <msn>` or `TOP <msn> 99999999`. TOP with that many body lines returns the
   * whole message, so both answers are validated alike; the latency is recorded as RETR or TOP.
   */
  async fetch(
    command: FetchCommand,
    msn: number,
    expectedSize: number,
    requireChecksum = false,
  ): Promise<FetchedReply> {
    const line = command === 'top' ? `TOP ${msn} ${TOP_ALL_LINES}` : `RETR ${msn}`;
    const reader = new RetrReader(expectedSize, this.#checksum, requireChecksum);
    const reply = await this.#expect(command.toUpperCase(), line, reader);
    if (!reply.status.ok) throw new BenchError('err-reply', `${line}: -ERR ${reply.status.text}`);
    // Its count and its latency then fall on the same side of the window's edges.
    return { ...reply, at: this.#lastReplyAt };
  }

  async dele(msn: number): Promise<void> {
    await this.#ok('DELE', `DELE ${msn}`);
  }

  async noop(): Promise<void> {
    await this.#ok('NOOP', 'NOOP');
  }

  /** Sends QUIT, waits for +OK (which commits deletions), and closes. */
  async quit(): Promise<void> {
    try {
      await this.#ok('QUIT', 'QUIT');
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    this.#detach(this.#socket);
    this.#socket.destroy();
  }

  async #startTls(address: ServerAddress): Promise<void> {
    await this.#ok('STLS', 'STLS');
    const plain = this.#socket;
    this.#detach(plain);
    const secure: TLSSocket = tlsConnect({ socket: plain, rejectUnauthorized: address.tlsVerify ?? false });
    secure.setTimeout(address.timeoutMs);
    this.#socket = secure;
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', (error) => reject(new BenchError('tls', error.message)));
    });
  }

  async #listing(name: 'LIST' | 'UIDL'): Promise<Listing> {
    const listing = await this.#expect(name, name, new ListingReader());
    if (!listing.status.ok) throw new BenchError('err-reply', `${name}: -ERR ${listing.status.text}`);
    return listing;
  }

  async #ok(name: string, command: string): Promise<StatusLine> {
    const status = await this.#expect(name, command, new StatusReader());
    if (!status.ok) throw new BenchError('err-reply', `${name}: -ERR ${status.text}`);
    return status;
  }

  #expect<T>(name: string, command: string | undefined, reader: ReplyReader<T>): Promise<T> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#pending !== undefined)
      return Promise.reject(new Error(`${name} sent while ${this.#pending.name} is in flight`));
    return new Promise<T>((resolve, reject) => {
      this.#pending = { name, reader, sentAt: performance.now(), resolve: resolve as (value: unknown) => void, reject };
      if (command !== undefined) this.#socket.write(`${command}\r\n`);
    });
  }

  #data(chunk: Buffer): void {
    this.observer.received(chunk.length);
    let at = 0;
    while (at < chunk.length) {
      const pending = this.#pending;
      if (pending === undefined) {
        this.#fail(new BenchError('unexpected-data', 'bytes received with no command in flight'));
        this.#socket.destroy();
        return;
      }
      let next: number;
      try {
        next = pending.reader.feed(chunk, at);
      } catch (error) {
        this.#fail(error instanceof BenchError ? error : new BenchError('bad-status-line', String(error)));
        this.#socket.destroy();
        return;
      }
      if (next < 0) return;
      at = next;
      this.#pending = undefined;
      this.#lastReplyAt = Date.now();
      this.observer.latency(pending.name, Math.round((performance.now() - pending.sentAt) * 1000), this.#lastReplyAt);
      pending.resolve(pending.reader.result());
    }
  }

  #fail(error: BenchError): void {
    this.#failure ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('timeout', this.#onTimeout);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('close', this.#onClose);
    socket.off('timeout', this.#onTimeout);
    // An error after we stopped listening must not become an uncaught exception.
    socket.off('error', this.#onError);
    socket.on('error', () => {});
  }
}
