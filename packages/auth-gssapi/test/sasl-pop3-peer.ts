// A minimal POP3 server around one SASL mechanism, for driving real clients (curl, mpop, fetchmail) in tests: an
// empty maildrop, RFC 5034 AUTH framing, nothing else. Every exchange outcome is recorded.
import { createServer, type Server, type Socket } from 'node:net';
import type { AuthExchange, AuthMechanism, AuthStep } from '@poplar/session';

export interface Pop3Peer {
  readonly port: number;
  /** Final AUTH outcomes in order. */
  readonly outcomes: AuthStep[];
  close(): Promise<void>;
}

export async function startPop3Peer(mechanism: AuthMechanism): Promise<Pop3Peer> {
  const outcomes: AuthStep[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, mechanism, outcomes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    outcomes,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(socket: Socket, mechanism: AuthMechanism, outcomes: AuthStep[]): void {
  const abort = new AbortController();
  let exchange: AuthExchange | undefined;
  let pending = '';
  let queue = Promise.resolve();
  const send = (line: string) => socket.write(`${line}\r\n`);
  const finish = (step: AuthStep) => {
    exchange?.dispose();
    exchange = undefined;
    outcomes.push(step);
    send(step.kind === 'success' ? '+OK User successfully authenticated.' : '-ERR Authentication failure');
  };
  const feed = async (data: Uint8Array) => {
    const step = await (exchange as AuthExchange).step(data);
    if (step.kind === 'challenge') send(`+ ${Buffer.from(step.data).toString('base64')}`);
    else finish(step);
  };
  const handle = async (line: string) => {
    if (exchange) {
      if (line === '*') {
        exchange.dispose();
        exchange = undefined;
        send('-ERR The AUTH protocol exchange was canceled by the client.');
      } else {
        await feed(line === '=' ? new Uint8Array(0) : Buffer.from(line, 'base64'));
      }
      return;
    }
    const [keyword = '', argument, initial] = line.split(' ');
    switch (keyword.toUpperCase()) {
      case 'CAPA':
        send(`+OK\r\nUIDL\r\nSASL ${mechanism.name}\r\n.`);
        break;
      case 'AUTH':
        if (argument?.toUpperCase() !== mechanism.name) {
          send('-ERR Protocol error. 14');
          break;
        }
        exchange = mechanism.start({
          connection: { id: 'peer', remoteAddress: '127.0.0.1', secure: false },
          signal: abort.signal,
        });
        if (initial === undefined) send('+ ');
        else await feed(initial === '=' ? new Uint8Array(0) : Buffer.from(initial, 'base64'));
        break;
      case 'STAT':
        send('+OK 0 0');
        break;
      case 'LIST':
      case 'UIDL':
        send('+OK\r\n.');
        break;
      case 'NOOP':
        send('+OK');
        break;
      case 'QUIT':
        send('+OK bye');
        socket.end();
        break;
      default:
        send('-ERR Protocol error. 19');
    }
  };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end).replace(/\r$/, '');
      pending = pending.slice(end + 1);
      queue = queue.then(() => handle(line));
    }
  });
  socket.on('close', () => {
    abort.abort();
    exchange?.dispose();
  });
  socket.on('error', () => {});
  send('+OK POP3 test peer ready');
}
