import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchError, type ErrorKind } from '../protocol/bench-error.js';
import { Pop3Client } from './pop3-client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A scripted server: `onLine` answers each command line; the greeting is sent on connect unless null. */
async function scripted(
  greeting: string | null,
  onLine: (line: string, socket: Socket) => void = () => {},
): Promise<number> {
  server = createServer((socket) => {
    if (greeting !== null) socket.write(greeting);
    let input = '';
    socket.on('data', (chunk) => {
      input += chunk.toString('latin1');
      for (let lf = input.indexOf('\n'); lf >= 0; lf = input.indexOf('\n')) {
        onLine(input.slice(0, lf).trimEnd(), socket);
        input = input.slice(lf + 1);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function kindOf(promise: Promise<unknown>): Promise<ErrorKind> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BenchError) return error.kind;
    throw error;
  }
  throw new Error('did not fail');
}

const address = (port: number) => ({ host: '127.0.0.1', port, tls: 'none' as const, timeoutMs: 300 });

describe('Pop3Client failures', () => {
  it('times out when the server says nothing', async () => {
    const port = await scripted(null);
    expect(await kindOf(Pop3Client.connect(address(port)))).toBe('timeout');
  });

  it('refuses a -ERR greeting', async () => {
    const port = await scripted('-ERR go away\r\n');
    expect(await kindOf(Pop3Client.connect(address(port)))).toBe('greeting');
  });

  it('reports bytes that no command asked for', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      if (line === 'NOOP') socket.write('+OK\r\n+OK extra\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    await client.noop().catch(() => {});
    expect(await kindOf(client.noop())).toBe('unexpected-data');
    client.destroy();
  });

  it('reports a connection closed in the middle of a message', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      if (line.startsWith('RETR')) socket.end('+OK 100 octets\r\nSubject: cut\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    expect(await kindOf(client.retr(1, 100))).toBe('closed');
  });

  it('reports -ERR to a command as err-reply and keeps the connection usable', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      socket.write(line.startsWith('USER') ? '+OK\r\n' : line.startsWith('PASS') ? '-ERR [AUTH] no\r\n' : '+OK\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    expect(await kindOf(client.login('u', 'p', 'user'))).toBe('err-reply');
    await expect(client.noop()).resolves.toBeUndefined();
    client.destroy();
  });
});
