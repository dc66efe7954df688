// Real TCP connections on 127.0.0.1 for the tests: the accepted socket sends (like a server), the client receives.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Collects everything the receiving socket reads. */
export class Receiver {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private readonly ended: Promise<void>;
  private wake: () => void = () => {};

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
      this.wake();
    });
    this.ended = new Promise((resolve, reject) => {
      socket.once('end', resolve);
      socket.once('error', reject);
    });
    // Handled here too: a test that never asks for the end must not see an unhandled rejection.
    this.ended.catch(() => {});
  }

  get length(): number {
    return this.received;
  }

  data(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Everything up to the sender's end of stream: proves that nothing more than expected was sent. */
  async all(timeoutMs = 10_000): Promise<Buffer> {
    this.socket.resume();
    await withTimeout(this.ended, timeoutMs, () => `no end of stream after ${this.received} bytes`);
    return this.data();
  }

  /** Waits until at least `bytes` bytes have arrived. */
  async atLeast(bytes: number, timeoutMs = 10_000): Promise<Buffer> {
    this.socket.resume();
    const arrived = new Promise<void>((resolve) => {
      this.wake = () => {
        if (this.received >= bytes) resolve();
      };
      this.wake();
    });
    await withTimeout(arrived, timeoutMs, () => `${this.received} of ${bytes} bytes arrived`);
    return this.data();
  }
}

export interface Loopback {
  /** The accepted socket. Never read (pauseOnConnect), so Node does not notice the peer going away and keeps its
   * descriptor open. */
  readonly sender: Socket;
  readonly receiver: Receiver;
}

const servers = new Set<Server>();
const sockets = new Set<Socket>();

/** A connected pair; `paused` keeps the receiver from reading until it is asked for data. */
export async function loopback(options: { paused?: boolean } = {}): Promise<Loopback> {
  const server = createServer({ pauseOnConnect: true });
  servers.add(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  if (options.paused) client.pause();
  const receiver = new Receiver(client);
  await once(client, 'connect');
  const [sender] = await accepted;
  sockets.add(sender).add(client);
  return { sender, receiver };
}

/** For afterEach: destroys every socket and server loopback() made. */
export async function closeLoopbacks(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all([...servers].map((server) => new Promise((resolve) => server.close(resolve))));
  servers.clear();
}

async function withTimeout(promise: Promise<void>, ms: number, what: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
