import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext, TLSSocket } from 'node:tls';
import { type EncodedMailbox, topReply } from './encoded-mailbox.js';
import type { MailboxSource } from './mailbox-source.js';

export interface ResponderTls {
  cert: Buffer | string;
  key: Buffer | string;
  /** TLS from the first byte (like port 995); otherwise STLS is offered. */
  implicit: boolean;
}

export interface ResponderOptions {
  source: MailboxSource;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  tls?: ResponderTls;
}

export interface Responder {
  host: string;
  port: number;
  close(): Promise<void>;
}

const MAX_LINE = 1024;
const ok = (text = ''): Buffer => Buffer.from(text === '' ? '+OK\r\n' : `+OK ${text}\r\n`);
const err = (text: string): Buffer => Buffer.from(`-ERR ${text}\r\n`);

/**
 * A POP3 server that serves maildrops held in memory with every reply pre-encoded, so that serving costs almost
 * nothing and the client's own ceiling shows. It is a measuring instrument, not a mail server: it never changes a
 * maildrop and checks no more than it must.
 */
export async function startResponder(options: ResponderOptions): Promise<Responder> {
  const sockets = new Set<Socket>();
  const tls = options.tls;
  const context = tls === undefined ? undefined : createSecureContext({ cert: tls.cert, key: tls.key });
  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new ResponderSession(socket, options.source, tls?.implicit === false ? context : undefined);
  };
  const server: Server =
    tls?.implicit === true ? createTlsServer({ cert: tls.cert, key: tls.key }, onSocket) : createNetServer(onSocket);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

class ResponderSession {
  #socket: Socket;
  #input: Buffer = Buffer.alloc(0);
  #user = '';
  #mailbox: EncodedMailbox | undefined;
  #saslPending = false;
  #waiting = false;
  #onData = (chunk: Buffer): void => {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    this.#run();
  };

  constructor(
    socket: Socket,
    private readonly source: MailboxSource,
    private stls: SecureContext | undefined,
  ) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', () => socket.destroy());
    socket.write(ok('poplar-bench responder ready'));
  }

  /** Answers every complete line in the input, stopping while the socket's buffer is full. */
  #run(): void {
    while (!this.#waiting) {
      const lf = this.#input.indexOf(0x0a);
      if (lf < 0) {
        if (this.#input.length > MAX_LINE) this.#socket.destroy();
        return;
      }
      const line = this.#input.toString('latin1', 0, lf).replace(/\r$/, '');
      this.#input = this.#input.subarray(lf + 1);
      const reply = this.#answer(line);
      if (reply === 'upgrade' || reply === 'quit') return;
      let flushed = true;
      for (const part of Array.isArray(reply) ? reply : [reply]) flushed = this.#socket.write(part);
      if (!flushed) {
        this.#waiting = true;
        this.#socket.once('drain', () => {
          this.#waiting = false;
          this.#run();
        });
      }
    }
  }

  #answer(line: string): Buffer | Buffer[] | 'upgrade' | 'quit' {
    if (this.#saslPending) {
      this.#saslPending = false;
      return this.#plain(line);
    }
    const space = line.indexOf(' ');
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const argument = space < 0 ? '' : line.slice(space + 1);
    const mailbox = this.#mailbox;
    switch (keyword) {
      case 'CAPA':
        return Buffer.from(`+OK\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN\r\n${this.stls ? 'STLS\r\n' : ''}.\r\n`);
      case 'QUIT':
        this.#socket.end(ok('bye'));
        return 'quit';
      case 'NOOP':
      case 'RSET':
        return ok();
    }
    if (mailbox === undefined) return this.#authorization(keyword, argument);
    const [first, second] = argument.split(' ');
    const msn = Number(first);
    const valid = Number.isInteger(msn) && msn >= 1 && msn <= mailbox.count;
    switch (keyword) {
      case 'STAT':
        return ok(`${mailbox.count} ${mailbox.size}`);
      case 'LIST':
        if (argument === '') return mailbox.list;
        return valid ? ok(`${msn} ${mailbox.sizes[msn - 1]}`) : err('no such message');
      case 'UIDL':
        if (argument === '') return mailbox.uidl;
        return valid ? ok(`${msn} ${msn}`) : err('no such message');
      case 'RETR':
        return valid ? mailbox.retr[msn - 1]! : err('no such message');
      case 'TOP':
        if (!valid) return err('no such message');
        return /^\d+$/.test(second ?? '') ? topReply(mailbox, msn - 1, Number(second)) : err('bad line count');
      case 'DELE':
        return valid ? ok('marked') : err('no such message');
      default:
        return err('unknown command');
    }
  }

  #authorization(keyword: string, argument: string): Buffer | 'upgrade' {
    switch (keyword) {
      case 'USER':
        this.#user = argument;
        return ok();
      case 'PASS':
        return this.#login(this.#user, argument);
      case 'AUTH': {
        const [mechanism, initial] = argument.split(' ');
        if (mechanism?.toUpperCase() !== 'PLAIN') return err('unsupported mechanism');
        if (initial !== undefined) return this.#plain(initial);
        this.#saslPending = true;
        return Buffer.from('+ \r\n');
      }
      case 'STLS':
        if (this.stls === undefined) return err('STLS not offered');
        this.#upgrade(this.stls);
        return 'upgrade';
      default:
        return err('log in first');
    }
  }

  #plain(response: string): Buffer {
    const [, user = '', password = ''] = Buffer.from(response, 'base64').toString('utf8').split('\0');
    return this.#login(user, password);
  }

  #login(user: string, password: string): Buffer {
    const expected = this.source.password(user);
    const mailbox = this.source.mailbox(user);
    if (mailbox === undefined || (expected !== undefined && expected !== password)) return err('[AUTH] invalid login');
    this.#mailbox = mailbox;
    return ok('logged in');
  }

  #upgrade(context: SecureContext): void {
    const plain = this.#socket;
    plain.off('data', this.#onData);
    plain.write(ok('begin TLS'));
    const secure = new TLSSocket(plain, { isServer: true, secureContext: context });
    secure.on('data', this.#onData);
    secure.on('error', () => secure.destroy());
    this.#socket = secure;
    this.stls = undefined;
    this.#input = Buffer.alloc(0);
  }
}
