import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderProxyHeader } from '@poplar/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyHeaderOutcome, readProxyHeader } from './proxy-header-reader.js';

/** What the server side saw: the outcome, then every byte read after it until the client closed. */
interface Received {
  readonly outcome: ProxyHeaderOutcome;
  readonly after: string;
}

let server: Server;
let port: number;
let timeoutMs = 2_000;
const accepted: Array<(socket: Socket) => void> = [];

beforeAll(async () => {
  server = createServer((socket) => accepted.shift()?.(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Connects, lets `talk` write to the socket, and returns what the server side read. */
async function exchange(talk: (client: Socket) => Promise<void>): Promise<Received> {
  const received = new Promise<Received>((resolve) => {
    accepted.push(async (socket) => {
      socket.on('error', () => {});
      const outcome = await readProxyHeader(socket, timeoutMs);
      if (outcome.kind === 'failed') {
        socket.destroy();
        resolve({ outcome, after: '' });
        return;
      }
      // The session reads in paused mode too: read() on 'readable' until the end.
      const chunks: Buffer[] = [];
      const drain = () => {
        for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) chunks.push(chunk);
      };
      socket.on('readable', drain);
      socket.once('end', () => {
        resolve({ outcome, after: Buffer.concat(chunks).toString('latin1') });
        socket.destroy();
      });
      drain();
    });
  });
  const client = connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  await new Promise((resolve) => client.once('connect', resolve));
  await talk(client);
  client.end();
  return received;
}

const source = { address: '203.0.113.7', port: 40000 };
const destination = { address: '192.0.2.1', port: 110 };

describe('readProxyHeader', () => {
  it.each([
    1, 2,
  ] as const)('reads a v%i header and leaves the bytes that came with it for the session', async (version) => {
    const header = renderProxyHeader({ version, source, destination });
    const { outcome, after } = await exchange(async (client) => {
      client.write(Buffer.concat([header, Buffer.from('CAPA\r\nUSER alice\r\n')]));
    });
    expect(outcome).toMatchObject({ kind: 'header', version, source, destination, consumed: header.length });
    expect(after).toBe('CAPA\r\nUSER alice\r\n');
  });

  it('waits for a header split into pieces, then keeps what follows', async () => {
    const header = renderProxyHeader({ version: 2, source, destination });
    const { outcome, after } = await exchange(async (client) => {
      for (const piece of [header.subarray(0, 5), header.subarray(5, 20), header.subarray(20)]) {
        client.write(piece);
        await sleep(30);
      }
      client.write('QUIT\r\n');
    });
    expect(outcome).toMatchObject({ kind: 'header', source });
    expect(after).toBe('QUIT\r\n');
  });

  it('refuses a malformed header at once', async () => {
    const { outcome } = await exchange(async (client) => {
      client.write('PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n');
    });
    expect(outcome).toEqual({ kind: 'failed', reason: expect.stringContaining('two addresses and two ports') });
  });

  it('refuses a POP3 command where the header should be', async () => {
    const { outcome } = await exchange(async (client) => {
      client.write('CAPA\r\n');
    });
    expect(outcome).toEqual({ kind: 'failed', reason: 'not a PROXY protocol header' });
  });

  it('refuses a header without an end, however much follows', async () => {
    const { outcome } = await exchange(async (client) => {
      client.write(`PROXY TCP4 ${'1'.repeat(200_000)}`);
    });
    expect(outcome).toEqual({ kind: 'failed', reason: 'v1 header has no CRLF within 107 octets' });
  });

  it('refuses a v2 header that announces more than 536 octets', async () => {
    const header = renderProxyHeader({ version: 2, source, destination });
    header.writeUInt16BE(2000, 14);
    const { outcome } = await exchange(async (client) => {
      client.write(header);
    });
    expect(outcome).toEqual({ kind: 'failed', reason: 'v2 header is longer than 536 octets' });
  });

  it('gives up on a header that does not complete in time', async () => {
    timeoutMs = 300;
    try {
      const started = Date.now();
      const { outcome } = await exchange(async (client) => {
        client.write('PROXY TCP4 ');
        await sleep(800);
      });
      expect(outcome).toEqual({ kind: 'failed', reason: 'no complete PROXY header within 0.3 s' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      timeoutMs = 2_000;
    }
  });

  it('reports a peer that closes before the header ends', async () => {
    const { outcome } = await exchange(async (client) => {
      client.write('PROXY TCP6 ::1');
    });
    expect(outcome).toEqual({ kind: 'failed', reason: 'connection closed before the PROXY header ended' });
  });
});
