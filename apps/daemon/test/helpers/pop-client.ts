import { connect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface PopClientOptions {
  readonly port: number;
  readonly host?: string;
  readonly localAddress?: string;
  /** Implicit TLS (pop3s). */
  readonly tls?: boolean;
  readonly timeoutMs?: number;
}

/** A small raw POP3 client for the protocol-level cases that a real client cannot be made to send. */
export class PopClient {
  #socket: Socket | TLSSocket;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #closed = false;
  readonly #timeoutMs: number;

  private constructor(socket: Socket | TLSSocket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#attach(socket);
  }

  static async connect(options: PopClientOptions): Promise<PopClient> {
    const host = options.host ?? '127.0.0.1';
    const socket = options.tls
      ? tlsConnect({
          host,
          port: options.port,
          rejectUnauthorized: false,
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        })
      : connect({ host, port: options.port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new PopClient(socket, options.timeoutMs ?? 10_000);
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get socket(): Socket | TLSSocket {
    return this.#socket;
  }

  /** Next line without its CRLF; null when the server closed the connection first. */
  async readLine(): Promise<string | null> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf('\r\n');
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end).toString('latin1');
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      if (this.#closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a line from the server');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Bytes received and not yet read. */
  get pending(): string {
    return this.#buffer.toString('latin1');
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    const reply = await this.readLine();
    if (reply === null) throw new Error(`connection closed after ${line.split(' ')[0]}`);
    return reply;
  }

  /** Sends a command whose +OK answer is multi-line; returns the status line and the un-stuffed lines. */
  async multiline(line: string): Promise<{ status: string; lines: string[] }> {
    const status = await this.command(line);
    const lines: string[] = [];
    if (!status.startsWith('+OK')) return { status, lines };
    for (;;) {
      const next = await this.readLine();
      if (next === null) throw new Error('connection closed inside a multi-line answer');
      if (next === '.') return { status, lines };
      lines.push(next.startsWith('.') ? next.slice(1) : next);
    }
  }

  async login(user: string, password: string): Promise<void> {
    const userReply = await this.command(`USER ${user}`);
    if (!userReply.startsWith('+OK')) throw new Error(`USER refused: ${userReply}`);
    const passReply = await this.command(`PASS ${password}`);
    if (!passReply.startsWith('+OK')) throw new Error(`PASS refused: ${passReply}`);
  }

  /** Upgrades this connection after a +OK to STLS. */
  async startTls(): Promise<void> {
    const plain = this.#socket;
    plain.removeAllListeners('data');
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#attach(secure);
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
